package sentinelone

// The credential rule, stated once: an API token, or a username and a password.

// Missing credentials, as CredentialsError.Missing names them.
const (
	MissingCredentials = "credentials" // neither an API token nor a username and password
	MissingUsername    = "username"    // a password without a username
	MissingPassword    = "password"    // a username without a password
)

// CredentialsError says which part of the credentials a Config lacks. Callers that show
// the rule to people map Missing to their own field names.
type CredentialsError struct{ Missing string }

func (e *CredentialsError) Error() string {
	switch e.Missing {
	case MissingUsername:
		return "username is empty: a password needs a username"
	case MissingPassword:
		return "password is empty: a username needs a password"
	}
	return "no credentials: set an API token, or a username and password"
}

// CheckCredentials applies the credential rule to c: nil, or a *CredentialsError.
func (c Config) CheckCredentials() error {
	switch {
	case c.APIToken != "":
		return nil
	case c.Username == "" && c.Password == "":
		return &CredentialsError{Missing: MissingCredentials}
	case c.Username == "":
		return &CredentialsError{Missing: MissingUsername}
	case c.Password == "":
		return &CredentialsError{Missing: MissingPassword}
	}
	return nil
}
