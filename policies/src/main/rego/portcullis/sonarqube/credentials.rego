# What the policy knows about the caller's credential: its kind and whether someone verified it.
# The credential itself never reaches the policy.
package portcullis.sonarqube

_credential := object.get(input, "credential", {})

# An Authorization header counts as a credential even if the input claims none, so that a
# request carrying one is never treated (and forwarded) as anonymous.
credential_present if _credential.present == true

credential_present if "authorization" in header_names

credential_kind := object.get(_credential, "kind", "none")

# Anything other than the three documented values is treated as "invalid".
credential_validity := v if {
	v := object.get(_credential, "valid", "invalid")
	v in {"valid", "unknown"}
} else := "invalid"
