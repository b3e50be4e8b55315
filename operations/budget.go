package operations

import (
	"errors"

	"github.com/fortisoar-connectors/sentinelone/connector"
	"github.com/fortisoar-connectors/sentinelone/internal/sentinelone"
)

// Budget is a rate budget shared by every replica of the connector (see
// internal/ratebudget). Tenant names one console and credential the same way on every
// replica without revealing the credential.
type Budget interface {
	sentinelone.Budget
	Tenant(console, credential string) string
}

// budgetTenant is the tenant of sc in b: SentinelOne limits requests per token, so an API
// token is its own tenant and a user's logins share one, on each console.
func budgetTenant(b Budget, sc sentinelone.Config) string {
	console, err := sentinelone.NormalizeHost(sc.Host)
	if err != nil {
		console = sc.Host // clientConfig has checked it; keep the name stable regardless
	}
	credential := "user\x00" + sc.Username
	if sc.APIToken != "" {
		credential = "api-token\x00" + sc.APIToken
	}
	return b.Tenant(console, credential)
}

// budgetError makes a request held back by an unreachable shared budget a 503: the
// connector is what is unavailable, and it fails closed rather than risk the tenant's
// limits.
func budgetError(err error) error {
	var be *sentinelone.BudgetError
	if errors.As(err, &be) {
		return &connector.Error{Kind: connector.KindBusy, Err: err}
	}
	return err
}
