# A team's policy on top of the default one, for the testkit tests: the default decision, but
# only from the team's networks.
package team

import data.portcullis.sonarqube

decision := {
	"allow": false,
	"status": 403,
	"reasons": ["team_network_only"],
	"message": "Only the team's build agents may scan.",
} if {
	not _from_team_network
} else := sonarqube.decision

_from_team_network if {
	some cidr in data.team.networks
	net.cidr_contains(cidr, input.client.ip)
}
