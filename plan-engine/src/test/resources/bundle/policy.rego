# A policy whose decision reads the bundle's data; PlanBundleTest builds it with `opa build -t plan`.
package b

import rego.v1

allowed := input.n <= data.config.limits.max

names := data.config.names
