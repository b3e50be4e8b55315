package connector

import (
	"fmt"
	"strconv"
	"strings"
)

// KindName names the JSON type of v as parameter errors do: "text", "a number",
// "a boolean", "a list", "an object", or "null".
func KindName(v any) string {
	if v == nil {
		return "null"
	}
	return kind(v)
}

// SplitOptions returns the items of a multiselect value as the connector reads them (a
// list, or one string of items separated by commas), without matching them to the
// options: a blank item or an item that is not text is an error.
func (p *Param) SplitOptions(v any) ([]string, error) {
	switch x := v.(type) {
	case string:
		items := strings.Split(x, ",")
		for i, item := range items {
			if items[i] = strings.TrimSpace(item); items[i] == "" {
				return nil, fmt.Errorf("item %d is blank: separate options with \",\" and leave none empty", i+1)
			}
		}
		return items, nil
	case []string:
		return x, nil
	case []any:
		items := make([]string, len(x))
		for i, e := range x {
			switch it := e.(type) {
			case string:
				items[i] = strings.TrimSpace(it)
			case bool:
				items[i] = strconv.FormatBool(it)
			default:
				return nil, fmt.Errorf("item %d must be text, got %s", i+1, KindName(e))
			}
		}
		return items, nil
	}
	return nil, fmt.Errorf("must be a list of %s, got %s", quoteList(p.Options), KindName(v))
}
