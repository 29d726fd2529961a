# The tables the policy reads as data (tables/data.json) and the configuration values that
# SonarQubePolicy.data normalises at load time (data.portcullis.sonarqube.normalized): both are
# there so that the compiled policy does not build them again on every request, and neither may
# change a decision.
package portcullis.sonarqube_test

import data.portcullis.sonarqube

tables := data.portcullis.sonarqube.tables

# The family names in_denied_family (config.rego) looks up are the denied families written as it
# writes a path's segments: '_' for '-'.
test_denied_family_names_are_the_denied_families if {
	families := {f | some f, _ in tables.api_families} | {f | some f, _ in tables.api_v2_families}
	{n | some n, _ in tables.denied_family_names} == {replace(f, "-", "_") | some f in families}
}

# The formats that check a value's characters with trim, or a list of values, decide as the
# anchored regular expressions they replaced.
replaced_patterns := {
	"project": `^[A-Za-z0-9_.:/-]+$`,
	"id": `^[A-Za-z0-9_-]+$`,
	"plugin": `^[A-Za-z0-9]+$`,
	"number": `^[0-9]+$`,
	"boolean": `^(true|false|yes|no)$`,
	"keys": `^[A-Za-z0-9_.:,-]*$`,
	"platform": `^[A-Za-z0-9_.-]+$`,
}

format_samples := [
	"", "a", "demo", "my-project:module/sub.x", "Demo_1", "0", "123456789", "1234567890", "true",
	"false", "yes", "no", "TRUE", "truex", "java", "csharp", "x86_64", "linux", "a,b,c", "a b",
	"a/b", "a\nb", "demo\n", "\tdemo", "é", "demo%20", "a;b", "-", ".", ":", ",", "_", "a=b",
	"java/../../users", "ü-project", "k\u212a",
]

test_character_formats_agree_with_their_patterns if {
	disagreements := {[kind, value] |
		some kind, pattern in replaced_patterns
		some value in format_samples
		regex.match(pattern, value) != _matches(kind, value)
	}
	disagreements == set()
}

_matches(kind, value) if sonarqube._parameter_format_matches(tables.parameter_formats[kind], value)

default _matches(_, _) := false

test_every_format_has_a_limit_and_one_check if {
	bad := {kind |
		some kind, format in tables.parameter_formats
		not _one_check(format)
	}
	bad == set()
}

_one_check(format) if {
	is_number(format.max)
	count({k | some k in ["chars", "values", "pattern"]; format[k]}) == 1
}

# What SonarQubePolicy.data writes for a configuration: the side-door headers lower-cased as an
# object, the context path normalised and with a trailing "/", each with the setting it was
# written from.
normalized(config) := {
	"side_door_headers": {"from": config.side_door_headers, "set": {lower(h): true | some h in config.side_door_headers}},
	"context_path": {"from": config.context_path, "path": p, "prefix": concat("", [p, "/"])},
} if {
	p := sonarqube.context_path with data.portcullis.sonarqube.config as config
}

normalization_cases := {
	"shipped": {},
	"upper-case header": {"side_door_headers": ["X-Custom-Login", "Cookie"]},
	"no side doors": {"side_door_headers": []},
	"context path": {"context_path": "/sonarqube"},
	"context path with slashes": {"context_path": "sonar/qube/"},
	"root context path": {"context_path": "/"},
}

normalization_requests := {
	"settings": scanner("GET", "/api/settings/values.protobuf?component=demo"),
	"cookie": with_headers(scanner("GET", "/api/plugins/installed"), ["authorization", "cookie"]),
	"custom": with_headers(scanner("GET", "/api/plugins/installed"), ["authorization", "x-custom-login"]),
	"override": with_headers(scanner("GET", "/api/plugins/installed"), ["authorization", "x-http-method"]),
	"under context": scanner("GET", "/sonarqube/api/plugins/installed"),
	"under nested context": scanner("GET", "/sonar/qube/api/plugins/installed"),
	"context root": scanner("GET", "/sonarqube"),
	"lookalike": scanner("GET", "/sonarqubex/api/server/version"),
}

# With the normalized document, every decision is the one the policy reaches without it.
test_normalized_configuration_changes_no_decision if {
	differences := {[c, r] |
		some c, overrides in normalization_cases
		config := object.union(shipped, overrides)
		some r, inp in normalization_requests
		without := decide(inp) with data.portcullis.sonarqube.config as config
		with_normalized := decide(inp) with data.portcullis.sonarqube.config as config
			with data.portcullis.sonarqube.normalized as normalized(config)
		without != with_normalized
	}
	differences == set()
}

# The normalized values are read when written from the configured setting, and ignored when
# written from another (a configuration changed after SonarQubePolicy.data wrote them).
test_normalized_values_are_read_only_for_their_setting if {
	inp := with_headers(scanner("GET", "/x/api/plugins/installed"), ["authorization", "x-read"])
	config := object.union(shipped, {"context_path": "/y", "side_door_headers": ["X-Other"]})
	forged := {
		"side_door_headers": {"from": ["X-Other"], "set": {}},
		"context_path": {"from": "/y", "path": "/x", "prefix": "/x/"},
	}
	d := decide(inp) with data.portcullis.sonarqube.config as config
		with data.portcullis.sonarqube.normalized as forged
	d.allow == true
	stale := decide(inp) with data.portcullis.sonarqube.normalized as forged
	stale == decide(inp)
	stale.reasons == ["web_ui_not_allowed"]
	denied := decide(inp) with data.portcullis.sonarqube.config as config
		with data.portcullis.sonarqube.normalized as {"side_door_headers": {"from": ["X-Other"], "set": {"x-read": true}}}
	denied.reasons == ["side_door_header"]
	moved := decide(inp) with data.portcullis.sonarqube.config as object.union(config, {"context_path": "/z"})
		with data.portcullis.sonarqube.normalized as forged
	moved.reasons == ["outside_context_path"]
}
