package connector_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Empty params validate once per operation, to what a full validation of the same defaults
// gives, and no caller's changes reach the next.
func TestNoParamsValidatedOnce(t *testing.T) {
	for _, op := range loadReal(t).Operations {
		want, err := op.ValidateParams(nil)
		if err != nil {
			_, again := op.ValidateParams(map[string]any{})
			require.Error(t, again, op.Name)
			assert.Equal(t, err.Error(), again.Error(), op.Name)
			continue
		}
		if len(want) > 0 {
			full, err := op.ValidateParams(asRaw(want)) // not empty: validated in full
			require.NoError(t, err, op.Name)
			assert.Equal(t, full, want, op.Name)
		}
		got, err := op.ValidateParams(map[string]any{})
		require.NoError(t, err, op.Name)
		assert.Equal(t, want, got, op.Name)
		got["mutated"] = true
		for _, v := range got {
			if s, ok := v.([]string); ok && len(s) > 0 {
				s[0] = "mutated"
			}
		}
		again, err := op.ValidateParams(nil)
		require.NoError(t, err)
		assert.Equal(t, want, again, "%s: earlier callers' changes do not leak", op.Name)
	}
}
