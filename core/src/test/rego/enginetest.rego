# Policies that exercise the engine itself (not SonarQube): well-formed, malformed and slow results.
package enginetest

# Allows /allowed, denies everything else with 403.
default decision := {"allow": false, "status": 403, "reasons": ["not_allowed"], "message": "Denied."}

decision := {"allow": true, "status": 200, "reasons": ["allowed"], "message": "Allowed."} if {
	input.request.path == "/allowed"
}

# Echoes the input and data back, to prove they reach the policy intact.
echo := {"input": input, "data": data.config}

# "allow" is a string, not a boolean.
malformed := {"allow": "true", "status": 200}

# Defined only for /defined.
partial := {"allow": true, "status": 200, "reasons": ["allowed"]} if {
	input.request.path == "/defined"
}

# A deny that claims status 200.
deny_with_ok_status := {"allow": false, "status": 200, "reasons": ["confused"]}

# Quadratic in the number of query values of "n": slow enough to hit a timeout with a large input.
slow := {"allow": true, "status": 200, "reasons": ["pairs"], "message": "Counted."} if {
	values := input.request.query.n
	pairs := {[a, b] | some a in values; some b in values}
	count(pairs) == count(values) * count(values)
}

# Allows the paths the data lists: a decision that changes when only the data does.
by_data := {"allow": true, "status": 200, "reasons": ["listed"], "message": "Listed."} if {
	input.request.path in data.config.allowed_paths
} else := {"allow": false, "status": 403, "reasons": ["not_listed"], "message": "Not listed."}
