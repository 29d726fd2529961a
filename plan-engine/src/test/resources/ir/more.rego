# More built-ins, one rule each so that an error in one does not hide the others;
# IrAgreesWithOpaEvalTest compares each with `opa eval` on several inputs.
package t

import rego.v1

to_num_n := to_number(input.n)

to_num_flag := to_number(input.flag)

to_num_nul := to_number(input.nul)

to_num_arr := to_number(input.xs)

to_num_s := to_number(input.s)

to_num_lits := [
	to_number("1e3"), to_number("-0.5"), to_number("1.50"), to_number("-0"), to_number("1E+2"),
]

to_num_bad := [x | some s in [" 1", "0x10", "inf", "NaN", "", "1e", "Infinity", "1.5x"]; x := to_number(s)]

fmt_int := [format_int(input.n, 2), format_int(input.n, 8), format_int(input.n, 10), format_int(input.n, 16)]

fmt_int_f := [format_int(input.f, 10), format_int(input.f, 16)]

b64 := [base64.encode(input.s), base64url.encode(input.s), base64.is_valid(input.s)]

b64_dec := base64.decode(input.s)

b64url_dec := base64url.decode(input.s)

b64_lits := [
	base64.decode("YQ=="), base64.decode("YR=="), base64.decode("YWJj"), base64.decode("YW\nJj"),
	base64url.decode("YQ"), base64url.decode("YQ=="),
	base64.is_valid("YQ"), base64.is_valid("YQ=="), base64.is_valid("Y"),
]

b64_bad := [x | some s in ["YQ", "Y", "YQ=", "-_-_", "a b=", "YQ==YQ=="]; x := base64.decode(s)]

b64url_bad := [x | some s in ["Y", "YQ=", "+/+/", "a b="]; x := base64url.decode(s)]

json_ok := [json.is_valid(input.s), json.is_valid("{\"a\":[1,2.50,null]}"), json.is_valid("01"), json.is_valid(" 1 "), json.is_valid("[1,]"), json.is_valid(input.n)]

json_un := json.unmarshal(input.s)

json_un_lits := [json.unmarshal("{\"b\":1,\"a\":[true,null,\"x\"],\"b\":2}"), json.unmarshal(" -1.5e2 ")]

union_n := object.union_n([input.obj, {"a": 9, "b": {"d": 1}}, {}])

union_n_bad := object.union_n([input.obj, input.n])

flat := array.flatten([input.xs, [[1, [2]], 3], []])

flat_in := array.flatten(input.xs)

repl_n := strings.replace_n({"a": "1", "ab": "2", "b": "", "Σ": "s"}, input.s)

repl_n_bad := strings.replace_n({"a": input.n}, input.s)

bits_ops := [bits.and(input.n, 6), bits.or(input.n, 8), bits.xor(input.n, 5), bits.negate(input.n), bits.lsh(input.n, 3), bits.rsh(input.n, 1)]

bits_f := bits.and(input.f, 1)

bits_neg_shift := bits.lsh(1, input.n)

cidr_x := [
	net.cidr_intersects("10.0.0.0/8", "10.1.0.0/16"),
	net.cidr_intersects("10.0.0.0/16", "10.1.0.0/16"),
	net.cidr_intersects("192.168.0.0/16", "192.168.1.0/24"),
	net.cidr_intersects("2001:db8::/32", "2001:db8:1::/48"),
	net.cidr_intersects("::ffff:10.0.0.0/104", "10.0.0.0/8"),
]

cidr_x_in := net.cidr_intersects(input.ip, "10.0.0.0/8")

obj_filter := [object.filter(input.obj, ["a", "zz"]), object.filter(input.obj, {"b"}), object.filter(input.obj, {"a": 0})]

reach := graph.reachable({"a": ["b"], "b": {"c"}, "c": ["a"], "d": ["e"], "x": []}, [input.key])

reach_all := graph.reachable({"a": ["b"], "b": {"c"}, "c": ["a"], "d": ["e"]}, {"a", "d", "q"})

jfilter := [
	json.filter({"a": {"b": 1, "c": 2}, "f": 4}, ["a", "a/b"]),
	json.filter({"a": {"b": 1, "c": 2}, "f": 4}, {["a", "c"], "f"}),
	json.filter({"a": {"b": 1, "c": 2}, "f": 4}, ["x/y", "a/b/z", "/f/"]),
	json.filter({"a": {"b": 1}}, ["a//b"]),
	json.filter({"a": {"1": 1}}, [["a", 1]]),
	json.filter({"a": 1}, [""]),
	json.filter({"a": 1}, []),
	json.filter({"a": [1, {"b": 2, "c": 3}, 3]}, ["a/2", "a/1/b", "a/7", "a/01", "a/-1"]),
	json.filter({"a": [1, 2, 3]}, [["a", 1]]),
]

jfilter_in := json.filter(input.obj, [input.key, "b/c", ["a", "x"]])
