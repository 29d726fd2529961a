# Small rules that exercise the plan's IR statements and the engine's built-ins; IrAgreesWithOpaEvalTest
# builds them with `opa build -t plan` and compares every rule with `opa eval` on several inputs.
package t

import rego.v1

arr := [x | some x in input.xs; x > 1]

set_c := {x | some x in input.xs}

obj := {k: v | some k, v in input.obj}

dot := input.obj.a

neg if not input.flag

default d := "dflt"

d := input.s if input.s != ""

inner := input.s

with_r := x if {
	x := inner with input.s as "w"
}

f(a) := a * 2

fcall := f(input.n)

multi contains x if {
	some x in input.xs
	x < 3
}

po[k] := v if {
	some k, v in input.obj
}

dyn := po[input.key]

cmp := [input.n < 3, input.n <= 3, input.n == 3, input.n != 3, input.n > 3, input.n >= 3]

strs := {
	"concat": concat(",", ["a", input.s]),
	"lower": lower(input.s),
	"upper": upper(input.s),
	"split": split(input.s, ","),
	"split_empty": split(input.s, ""),
	"replace": replace(input.s, "a", "b"),
	"replace_empty": replace(type_name(input.s), "", "-"),
	"trim": trim(input.s, " a"),
	"trim_left": trim_left(input.s, "a"),
	"trim_right": trim_right(input.s, " "),
	"trim_space": trim_space(input.s),
	"contains": contains(input.s, "a"),
	"startswith": startswith(input.s, "a"),
	"endswith": endswith(input.s, "a"),
	"indexof": indexof(input.s, "b"),
	"substring": substring(input.s, 1, 2),
	"count": count(input.s),
	"trim_prefix": trim_prefix(input.s, "a"),
	"trim_suffix": trim_suffix(input.s, "a"),
	"reverse": strings.reverse(input.s),
}

floor_f := floor(input.f)

ceil_f := ceil(input.f)

round_f := round(input.f)

abs_f := abs(input.f)

minus_n := input.n - 1.5

plus_n := input.n + 0.25

sum_xs := sum(input.xs)

max_xs := max(input.xs)

min_xs := min(input.xs)

rem_n := input.n % 2

big := input.big + 1

sets := {"or": (set_c | {9}), "and": set_c & {1, 2}, "minus": set_c - {1}}

unions := [union({set_c, {7}}), intersection({set_c, {1, 2, 3}}), object.keys(input.obj)]

globs := [
	glob.match("a.*", null, input.s),
	glob.match("a.*", [], input.s),
	glob.match("a*", ["/"], input.s),
	glob.match("{a,b}?c", null, input.s),
	glob.match("[a-c]*", null, input.s),
	glob.match("[!a]*", null, input.s),
	glob.match("a**", ["."], input.s),
]

rx := [
	regex.match(`^a.b`, input.s),
	regex.match(`\d+`, input.s),
	regex.match(`^[[:alpha:]]+$`, input.s),
	regex.match(`^a\.bc$`, input.s),
	regex.match(`(?i)^AB`, input.s),
]

cidr := [
	net.cidr_contains("10.0.0.0/8", input.ip),
	net.cidr_contains("2001:db8::/32", input.ip),
	net.cidr_contains("10.0.0.0/8", "10.1.0.0/16"),
	net.cidr_contains("10.0.0.0/16", "10.0.0.0/8"),
]

objget := [object.get(input.obj, "a", "d"), object.get(input.obj, ["b", "c"], "d"), object.get(input.obj, "zz", "d")]

members := [1 in input.xs, "a" in input.obj, 0, 1 in input.xs, "a", 1 in input.obj]

types := [
	is_string(input.s),
	is_number(input.n),
	is_array(input.xs),
	is_object(input.obj),
	is_boolean(input.flag),
	is_null(input.nul),
	is_set(set_c),
	type_name(input.n),
]

every_positive if {
	every x in input.xs {
		x > 0
	}
}

sorted := sort(input.xs)

slices := [array.slice(input.xs, 1, 2), array.concat(input.xs, [0]), array.reverse(input.xs)]

merged := object.union(input.obj, {"b": {"z": 1}})

count_all := [count(input.xs), count(input.obj), count(set_c)]

first_even := x if {
	some x in input.xs
	x % 2 == 0
}

removed := [
	object.remove(input.obj, ["a"]),
	json.remove({"a": 1, "b": {"c": 2, "d": 3}}, ["b/c", "/a"]),
	numbers.range(1, 3),
	numbers.range(2, -1),
]

decoded := urlquery.decode_object("a=1&b=x+y&a=%C3%A4&c&&d=")
