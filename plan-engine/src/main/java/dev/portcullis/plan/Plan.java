package dev.portcullis.plan;

import dev.portcullis.PolicyLoadException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * One OPA plan ({@code opa build -t plan}), loaded into a tree of executable statements.
 *
 * <p>Execution follows OPA's IR: a block runs its statements in order; a statement that is
 * undefined ends its block (execution continues after it); {@code BreakStmt} index {@code n} ends
 * the current block and the {@code n} blocks around it. This is exactly what OPA's wasm compiler
 * emits ({@code br n}), so the two agree.
 *
 * <p>Immutable once loaded and shared by every thread: an evaluation keeps its state in its own
 * {@link Evaluation} and frames.
 */
final class Plan {

  /** A statement completed; execution continues with the next one. */
  static final int NEXT = -1;

  /** A function returned ({@code ReturnLocalStmt}); unwinds to the function. */
  static final int RETURN = -2;

  final String name;
  private final Block[] blocks;
  private final int locals;

  private Plan(String name, Block[] blocks, int locals) {
    this.name = name;
    this.blocks = blocks;
    this.locals = locals;
  }

  /** Evaluates this plan on {@code input}: its result set (a set of objects). */
  TreeSet<Object> evaluate(Evaluation evaluation, Object input, Object data) {
    Object[] frame = new Object[Math.max(locals, 2)];
    frame[0] = input;
    frame[1] = data;
    for (Block block : blocks) {
      int r = block.run(evaluation, frame);
      if (r == RETURN || r > 0) {
        break;
      }
    }
    return evaluation.results;
  }

  // ---------------------------------------------------------------- loading

  /** Everything a plan file holds, with all names resolved. */
  static final class Program {
    final Map<String, Plan> plans;
    final List<String> builtinsUsed;

    Program(Map<String, Plan> plans, List<String> builtinsUsed) {
      this.plans = plans;
      this.builtinsUsed = builtinsUsed;
    }
  }

  /**
   * Loads a plan document; every function and built-in must resolve.
   *
   * @throws PolicyLoadException naming what is not supported
   */
  @SuppressWarnings("unchecked")
  static Program load(String name, Map<Object, Object> document) {
    Loader loader = new Loader(name, document);
    return loader.load();
  }

  private static final class Loader {
    private final String policyName;
    private final Map<Object, Object> document;
    private final List<String> strings = new ArrayList<>();
    private final Map<String, Func> funcs = new HashMap<>();
    private final Map<List<String>, Func> funcsByPath = new HashMap<>();
    private final List<String> builtinsUsed = new ArrayList<>();
    private int maxLocal;

    Loader(String policyName, Map<Object, Object> document) {
      this.policyName = policyName;
      this.document = document;
    }

    @SuppressWarnings("unchecked")
    Program load() {
      Map<Object, Object> statics = object(document.get("static"), "static");
      for (Object s : list(statics.get("strings"), "static.strings")) {
        strings.add(string(object(s, "static string").get("value"), "static string value"));
      }
      Map<Object, Object> funcsDoc =
          absent(document.get("funcs")) ? Map.of() : object(document.get("funcs"), "funcs");
      List<Object> funcList =
          absent(funcsDoc.get("funcs")) ? List.of() : list(funcsDoc.get("funcs"), "funcs.funcs");
      // Declare first (calls may be forward), then build the bodies.
      int id = 0;
      for (Object f : funcList) {
        Map<Object, Object> fn = object(f, "func");
        String fname = string(fn.get("name"), "func name");
        List<Object> params = list(fn.get("params"), "func params");
        int[] p = new int[params.size()];
        for (int i = 0; i < p.length; i++) {
          p[i] = integer(params.get(i));
        }
        Func func = new Func(fname, id++, p, integer(fn.get("return")));
        funcs.put(fname, func);
        if (!absent(fn.get("path"))) {
          List<String> path = new ArrayList<>();
          for (Object segment : list(fn.get("path"), "func path")) {
            path.add(string(segment, "func path segment"));
          }
          funcsByPath.put(List.copyOf(path), func);
        }
      }
      for (Object f : funcList) {
        Map<Object, Object> fn = object(f, "func");
        Func func = funcs.get(string(fn.get("name"), "func name"));
        maxLocal = func.ret;
        for (int p : func.params) {
          maxLocal = Math.max(maxLocal, p);
        }
        func.blocks = blocks(fn.get("blocks"));
        func.locals = maxLocal + 1;
      }
      Map<String, Plan> plans = new TreeMap<>();
      Map<Object, Object> plansDoc = object(document.get("plans"), "plans");
      for (Object pl : list(plansDoc.get("plans"), "plans.plans")) {
        Map<Object, Object> plan = object(pl, "plan");
        maxLocal = 1;
        Block[] b = blocks(plan.get("blocks"));
        String pname = string(plan.get("name"), "plan name");
        plans.put(pname, new Plan(pname, b, maxLocal + 1));
      }
      return new Program(Map.copyOf(plans), List.copyOf(builtinsUsed));
    }

    private Block[] blocks(Object value) {
      if (absent(value)) {
        return new Block[0];
      }
      List<Object> list = list(value, "blocks");
      Block[] out = new Block[list.size()];
      for (int i = 0; i < out.length; i++) {
        out[i] = block(list.get(i));
      }
      return out;
    }

    private Block block(Object value) {
      Object stmts = object(value, "block").get("stmts");
      List<Object> list = absent(stmts) ? List.of() : list(stmts, "stmts");
      Stmt[] out = new Stmt[list.size()];
      for (int i = 0; i < out.length; i++) {
        out[i] = stmt(object(list.get(i), "stmt"));
      }
      return new Block(out);
    }

    private Stmt stmt(Map<Object, Object> wrapper) {
      String type = string(wrapper.get("type"), "stmt type");
      Map<Object, Object> s = object(wrapper.get("stmt"), type);
      switch (type) {
        case "ArrayAppendStmt":
          return new ArrayAppend(local(s, "array"), operand(s.get("value")));
        case "AssignIntStmt":
          return new AssignInt(local(s, "target"), longValue(s.get("value")));
        case "AssignVarOnceStmt":
          return new AssignVarOnce(operand(s.get("source")), local(s, "target"));
        case "AssignVarStmt":
          return new AssignVar(operand(s.get("source")), local(s, "target"));
        case "BlockStmt":
          return new BlockStmt(blocks(s.get("blocks")));
        case "BreakStmt":
          return new Break(integer(s.get("index")));
        case "CallDynamicStmt":
          {
            List<Object> args = absent(s.get("args")) ? List.of() : list(s.get("args"), "args");
            int[] a = new int[args.size()];
            for (int i = 0; i < a.length; i++) {
              a[i] = integer(args.get(i));
              maxLocal = Math.max(maxLocal, a[i]);
            }
            List<Object> path = list(s.get("path"), "path");
            Operand[] p = new Operand[path.size()];
            for (int i = 0; i < p.length; i++) {
              p[i] = operand(path.get(i));
            }
            return new CallDynamic(p, a, local(s, "result"), funcsByPath);
          }
        case "CallStmt":
          return call(s);
        case "DotStmt":
          return new Dot(operand(s.get("source")), operand(s.get("key")), local(s, "target"));
        case "EqualStmt":
          return new Equal(operand(s.get("a")), operand(s.get("b")), true);
        case "NotEqualStmt":
          return new Equal(operand(s.get("a")), operand(s.get("b")), false);
        case "IsArrayStmt":
          return new IsType(operand(s.get("source")), List.class);
        case "IsObjectStmt":
          return new IsType(operand(s.get("source")), Map.class);
        case "IsSetStmt":
          return new IsType(operand(s.get("source")), Set.class);
        case "IsDefinedStmt":
          return new IsDefined(local(s, "source"), true);
        case "IsUndefinedStmt":
          return new IsDefined(local(s, "source"), false);
        case "LenStmt":
          return new Len(operand(s.get("source")), local(s, "target"));
        case "MakeArrayStmt":
          return new Make(local(s, "target"), Make.ARRAY, null);
        case "MakeNullStmt":
          return new Make(local(s, "target"), Make.CONSTANT, Values.NULL);
        case "MakeNumberIntStmt":
          return new Make(local(s, "target"), Make.CONSTANT, longValue(s.get("value")));
        case "MakeNumberRefStmt":
          {
            int index = integer(s.get("index") != null ? s.get("index") : s.get("Index"));
            Object number = Values.parseNumber(staticString(index));
            if (number == null) {
              throw fail("MakeNumberRefStmt names a string that is not a number");
            }
            return new Make(local(s, "target"), Make.CONSTANT, number);
          }
        case "MakeObjectStmt":
          return new Make(local(s, "target"), Make.OBJECT, null);
        case "MakeSetStmt":
          return new Make(local(s, "target"), Make.SET, null);
        case "NopStmt":
          return (ev, f) -> NEXT;
        case "NotStmt":
          return new Not(block(s.get("block")));
        case "ObjectInsertStmt":
          return new ObjectInsert(
              local(s, "object"), operand(s.get("key")), operand(s.get("value")), false);
        case "ObjectInsertOnceStmt":
          return new ObjectInsert(
              local(s, "object"), operand(s.get("key")), operand(s.get("value")), true);
        case "ObjectMergeStmt":
          return new ObjectMerge(local(s, "a"), local(s, "b"), local(s, "target"));
        case "ResetLocalStmt":
          return new Make(local(s, "target"), Make.CONSTANT, null);
        case "ResultSetAddStmt":
          return new ResultSetAdd(local(s, "value"));
        case "ReturnLocalStmt":
          return new ReturnLocal(local(s, "source"));
        case "ScanStmt":
          return new Scan(
              local(s, "source"), local(s, "key"), local(s, "value"), block(s.get("block")));
        case "SetAddStmt":
          return new SetAdd(local(s, "set"), operand(s.get("value")));
        case "WithStmt":
          {
            List<Object> path =
                absent(s.get("path")) ? List.of() : list(s.get("path"), "with path");
            String[] p = new String[path.size()];
            for (int i = 0; i < p.length; i++) {
              p[i] = staticString(integer(path.get(i)));
            }
            return new With(local(s, "local"), p, operand(s.get("value")), block(s.get("block")));
          }
        default:
          throw fail(
              "the plan uses the IR statement " + type + ", which this engine does not implement");
      }
    }

    private Stmt call(Map<Object, Object> s) {
      String fname = string(s.get("func"), "func");
      List<Object> args = absent(s.get("args")) ? List.of() : list(s.get("args"), "args");
      Operand[] a = new Operand[args.size()];
      for (int i = 0; i < a.length; i++) {
        a[i] = operand(args.get(i));
      }
      int result = local(s, "result");
      Func func = funcs.get(fname);
      if (func != null) {
        return new CallFunc(func, a, result);
      }
      Builtins.Builtin builtin = Builtins.get(fname);
      if (builtin == null) {
        throw fail(
            "the plan calls the built-in '"
                + fname
                + "', which the plan engine does not implement; supported: "
                + Builtins.names());
      }
      if (!builtinsUsed.contains(fname)) {
        builtinsUsed.add(fname);
      }
      return new CallBuiltin(fname, builtin, a, result);
    }

    private Operand operand(Object value) {
      Map<Object, Object> op = object(value, "operand");
      String type = string(op.get("type"), "operand type");
      switch (type) {
        case "local":
          {
            int index = integer(op.get("value"));
            maxLocal = Math.max(maxLocal, index);
            return new Operand(index, null);
          }
        case "bool":
          return new Operand(-1, op.get("value"));
        case "string_index":
          return new Operand(-1, staticString(integer(op.get("value"))));
        default:
          throw fail("unknown operand type " + type);
      }
    }

    private String staticString(int index) {
      if (index < 0 || index >= strings.size()) {
        throw fail("string index " + index + " is out of range");
      }
      return strings.get(index);
    }

    private int local(Map<Object, Object> s, String field) {
      int index = integer(s.get(field));
      maxLocal = Math.max(maxLocal, index);
      return index;
    }

    private int integer(Object value) {
      if (!(value instanceof Long) || (Long) value < 0 || (Long) value > Integer.MAX_VALUE) {
        throw fail("expected a small non-negative integer, got " + value);
      }
      return (int) (long) (Long) value;
    }

    private long longValue(Object value) {
      if (!(value instanceof Long)) {
        throw fail("expected an integer, got " + value);
      }
      return (Long) value;
    }

    @SuppressWarnings("unchecked")
    private Map<Object, Object> object(Object value, String what) {
      if (!(value instanceof Map)) {
        throw fail(what + " is not an object");
      }
      return (Map<Object, Object>) value;
    }

    @SuppressWarnings("unchecked")
    private List<Object> list(Object value, String what) {
      if (!(value instanceof List)) {
        throw fail(what + " is not an array");
      }
      return (List<Object>) value;
    }

    private String string(Object value, String what) {
      if (!(value instanceof String)) {
        throw fail(what + " is not a string");
      }
      return (String) value;
    }

    /** A member that is missing or JSON null (Go writes a nil slice as null). */
    private static boolean absent(Object value) {
      return value == null || value == Values.NULL;
    }

    private PolicyLoadException fail(String why) {
      return new PolicyLoadException("Plan '" + policyName + "' cannot be loaded: " + why + ".");
    }
  }

  // ---------------------------------------------------------------- execution

  /** A statement: returns {@link #NEXT}, {@link #RETURN} or how many enclosing blocks to leave. */
  interface Stmt {
    int exec(Evaluation ev, Object[] f);
  }

  /** A local or a constant (a boolean or a static string). */
  static final class Operand {
    final int local;
    final Object constant;

    Operand(int local, Object constant) {
      this.local = local;
      this.constant = constant;
    }

    Object get(Object[] f) {
      return local >= 0 ? f[local] : constant;
    }
  }

  static final class Block {
    private final Stmt[] stmts;

    Block(Stmt[] stmts) {
      this.stmts = stmts;
    }

    /** Runs the block: {@link #NEXT} when it completed, otherwise what its statement returned. */
    int run(Evaluation ev, Object[] f) {
      for (Stmt stmt : stmts) {
        int r = stmt.exec(ev, f);
        if (r != NEXT) {
          return r;
        }
      }
      return NEXT;
    }
  }

  /** A plan function: rule bodies and user functions. */
  static final class Func {
    final String name;
    final int id;
    final int[] params;
    final int ret;
    Block[] blocks;
    int locals;

    Func(String name, int id, int[] params, int ret) {
      this.name = name;
      this.id = id;
      this.params = params;
      this.ret = ret;
    }

    Object call(Evaluation ev, Object[] args) {
      // A function of input and data only is a rule: evaluated once per evaluation (and per
      // `with` scope), as OPA's wasm memoizes it.
      boolean memoize = params.length == 2;
      if (memoize) {
        Object memo = ev.memoGet(id);
        if (memo != null) {
          return memo == Evaluation.UNDEFINED ? null : memo;
        }
      }
      ev.tick();
      Object[] f = new Object[locals];
      for (int i = 0; i < params.length; i++) {
        f[params[i]] = args[i];
      }
      for (Block block : blocks) {
        int r = block.run(ev, f);
        if (r == RETURN || r > 0) {
          break;
        }
      }
      Object result = f[ret];
      if (memoize) {
        ev.memoPut(id, result == null ? Evaluation.UNDEFINED : result);
      }
      return result;
    }
  }

  private static final class ArrayAppend implements Stmt {
    private final int array;
    private final Operand value;

    ArrayAppend(int array, Operand value) {
      this.array = array;
      this.value = value;
    }

    @Override
    @SuppressWarnings("unchecked")
    public int exec(Evaluation ev, Object[] f) {
      Object a = f[array];
      Object v = value.get(f);
      if (!(a instanceof List) || v == null) {
        return 0;
      }
      ((List<Object>) a).add(v);
      return NEXT;
    }
  }

  private static final class AssignInt implements Stmt {
    private final int target;
    private final Long value;

    AssignInt(int target, long value) {
      this.target = target;
      this.value = value;
    }

    @Override
    public int exec(Evaluation ev, Object[] f) {
      f[target] = value;
      return NEXT;
    }
  }

  private static final class AssignVar implements Stmt {
    private final Operand source;
    private final int target;

    AssignVar(Operand source, int target) {
      this.source = source;
      this.target = target;
    }

    @Override
    public int exec(Evaluation ev, Object[] f) {
      // As in OPA's wasm: assigning undefined makes the target undefined, it is not a failure.
      f[target] = source.get(f);
      return NEXT;
    }
  }

  private static final class AssignVarOnce implements Stmt {
    private final Operand source;
    private final int target;

    AssignVarOnce(Operand source, int target) {
      this.source = source;
      this.target = target;
    }

    @Override
    public int exec(Evaluation ev, Object[] f) {
      Object value = source.get(f);
      Object current = f[target];
      if (current != null && (value == null || !Values.equal(current, value))) {
        throw ev.conflict("complete rule or function produced more than one value");
      }
      f[target] = value;
      return NEXT;
    }
  }

  private static final class BlockStmt implements Stmt {
    private final Block[] blocks;

    BlockStmt(Block[] blocks) {
      this.blocks = blocks;
    }

    @Override
    public int exec(Evaluation ev, Object[] f) {
      for (Block block : blocks) {
        int r = block.run(ev, f);
        if (r == RETURN) {
          return RETURN;
        }
        if (r > 0) {
          return r - 1;
        }
      }
      return NEXT;
    }
  }

  private static final class Break implements Stmt {
    private final int index;

    Break(int index) {
      this.index = index;
    }

    @Override
    public int exec(Evaluation ev, Object[] f) {
      return index;
    }
  }

  private static final class CallFunc implements Stmt {
    private final Func func;
    private final Operand[] args;
    private final int result;

    CallFunc(Func func, Operand[] args, int result) {
      this.func = func;
      this.args = args;
      this.result = result;
    }

    @Override
    public int exec(Evaluation ev, Object[] f) {
      Object[] values = new Object[args.length];
      for (int i = 0; i < values.length; i++) {
        values[i] = args[i].get(f);
      }
      Object value = func.call(ev, values);
      if (value == null) {
        return 0;
      }
      f[result] = value;
      return NEXT;
    }
  }

  private static final class CallBuiltin implements Stmt {
    private final String name;
    private final Builtins.Builtin builtin;
    private final Operand[] args;
    private final int result;

    CallBuiltin(String name, Builtins.Builtin builtin, Operand[] args, int result) {
      this.name = name;
      this.builtin = builtin;
      this.args = args;
      this.result = result;
    }

    @Override
    public int exec(Evaluation ev, Object[] f) {
      Object[] values = new Object[args.length];
      for (int i = 0; i < values.length; i++) {
        values[i] = args[i].get(f);
        if (values[i] == null) {
          return 0;
        }
      }
      Object value;
      try {
        value = builtin.call(ev, values);
      } catch (Builtins.BuiltinError e) {
        // OPA's default (non-strict) built-in errors: the call is undefined.
        value = null;
      }
      if (value == null) {
        return 0;
      }
      f[result] = value;
      return NEXT;
    }

    @Override
    public String toString() {
      return "call " + name;
    }
  }

  private static final class CallDynamic implements Stmt {
    private final Operand[] path;
    private final int[] args;
    private final int result;
    private final Map<List<String>, Func> funcs;

    CallDynamic(Operand[] path, int[] args, int result, Map<List<String>, Func> funcs) {
      this.path = path;
      this.args = args;
      this.result = result;
      this.funcs = funcs;
    }

    @Override
    public int exec(Evaluation ev, Object[] f) {
      String[] segments = new String[path.length];
      for (int i = 0; i < segments.length; i++) {
        Object segment = path[i].get(f);
        if (!(segment instanceof String)) {
          return 0;
        }
        segments[i] = (String) segment;
      }
      Func func = funcs.get(List.of(segments));
      if (func == null) {
        return 0; // no such rule: the plan falls back to the data document
      }
      Object[] values = new Object[args.length];
      for (int i = 0; i < values.length; i++) {
        values[i] = f[args[i]];
      }
      Object value = func.call(ev, values);
      if (value == null) {
        // The rule exists but is undefined: the whole reference is, data is not consulted (as the
        // wasm compiler emits it: br 3).
        return 3;
      }
      f[result] = value;
      return NEXT;
    }
  }

  private static final class Dot implements Stmt {
    private final Operand source;
    private final Operand key;
    private final int target;

    Dot(Operand source, Operand key, int target) {
      this.source = source;
      this.key = key;
      this.target = target;
    }

    @Override
    public int exec(Evaluation ev, Object[] f) {
      Object s = source.get(f);
      Object k = key.get(f);
      if (s == null || k == null) {
        return 0;
      }
      Object value = Values.member(s, k);
      if (value == null) {
        return 0;
      }
      f[target] = value;
      return NEXT;
    }
  }

  private static final class Equal implements Stmt {
    private final Operand a;
    private final Operand b;
    private final boolean equal;

    Equal(Operand a, Operand b, boolean equal) {
      this.a = a;
      this.b = b;
      this.equal = equal;
    }

    @Override
    public int exec(Evaluation ev, Object[] f) {
      Object x = a.get(f);
      Object y = b.get(f);
      if (x == null || y == null) {
        return 0;
      }
      return Values.equal(x, y) == equal ? NEXT : 0;
    }
  }

  private static final class IsType implements Stmt {
    private final Operand source;
    private final Class<?> type;

    IsType(Operand source, Class<?> type) {
      this.source = source;
      this.type = type;
    }

    @Override
    public int exec(Evaluation ev, Object[] f) {
      return type.isInstance(source.get(f)) ? NEXT : 0;
    }
  }

  private static final class IsDefined implements Stmt {
    private final int source;
    private final boolean defined;

    IsDefined(int source, boolean defined) {
      this.source = source;
      this.defined = defined;
    }

    @Override
    public int exec(Evaluation ev, Object[] f) {
      return (f[source] != null) == defined ? NEXT : 0;
    }
  }

  private static final class Len implements Stmt {
    private final Operand source;
    private final int target;

    Len(Operand source, int target) {
      this.source = source;
      this.target = target;
    }

    @Override
    @SuppressWarnings("unchecked")
    public int exec(Evaluation ev, Object[] f) {
      Object s = source.get(f);
      long n;
      if (s instanceof List) {
        n = ((List<Object>) s).size();
      } else if (s instanceof Map) {
        n = ((Map<Object, Object>) s).size();
      } else if (s instanceof Set) {
        n = ((Set<Object>) s).size();
      } else if (s instanceof String) {
        n = ((String) s).codePointCount(0, ((String) s).length());
      } else {
        return 0;
      }
      f[target] = n;
      return NEXT;
    }
  }

  private static final class Make implements Stmt {
    static final int CONSTANT = 0;
    static final int ARRAY = 1;
    static final int OBJECT = 2;
    static final int SET = 3;
    private final int target;
    private final int kind;
    private final Object constant;

    Make(int target, int kind, Object constant) {
      this.target = target;
      this.kind = kind;
      this.constant = constant;
    }

    @Override
    public int exec(Evaluation ev, Object[] f) {
      switch (kind) {
        case ARRAY:
          f[target] = new ArrayList<>(4);
          break;
        case OBJECT:
          f[target] = Values.newObject();
          break;
        case SET:
          f[target] = Values.newSet();
          break;
        default:
          f[target] = constant;
      }
      return NEXT;
    }
  }

  private static final class Not implements Stmt {
    private final Block block;

    Not(Block block) {
      this.block = block;
    }

    @Override
    public int exec(Evaluation ev, Object[] f) {
      int r = block.run(ev, f);
      if (r == NEXT) {
        return 0; // the negated block was defined
      }
      if (r == 0) {
        return NEXT;
      }
      return r == RETURN ? RETURN : r - 1;
    }
  }

  private static final class ObjectInsert implements Stmt {
    private final int object;
    private final Operand key;
    private final Operand value;
    private final boolean once;

    ObjectInsert(int object, Operand key, Operand value, boolean once) {
      this.object = object;
      this.key = key;
      this.value = value;
      this.once = once;
    }

    @Override
    @SuppressWarnings("unchecked")
    public int exec(Evaluation ev, Object[] f) {
      Object o = f[object];
      Object k = key.get(f);
      Object v = value.get(f);
      if (!(o instanceof Map) || k == null || v == null) {
        return 0;
      }
      Map<Object, Object> map = (Map<Object, Object>) o;
      if (once) {
        Object current = map.get(k);
        if (current != null && !Values.equal(current, v)) {
          throw ev.conflict("object keys must be unique");
        }
      }
      map.put(k, v);
      return NEXT;
    }
  }

  private static final class ObjectMerge implements Stmt {
    private final int a;
    private final int b;
    private final int target;

    ObjectMerge(int a, int b, int target) {
      this.a = a;
      this.b = b;
      this.target = target;
    }

    @Override
    public int exec(Evaluation ev, Object[] f) {
      Object x = f[a];
      Object y = f[b];
      if (!(x instanceof Map) || !(y instanceof Map)) {
        return 0;
      }
      Object merged = Builtins.mergeObjects(x, y);
      if (merged == null) {
        throw ev.conflict("objects could not be merged");
      }
      f[target] = merged;
      return NEXT;
    }
  }

  private static final class ResultSetAdd implements Stmt {
    private final int value;

    ResultSetAdd(int value) {
      this.value = value;
    }

    @Override
    public int exec(Evaluation ev, Object[] f) {
      Object v = f[value];
      if (v == null) {
        return 0;
      }
      ev.results.add(v);
      return NEXT;
    }
  }

  private static final class ReturnLocal implements Stmt {
    private final int source;

    ReturnLocal(int source) {
      this.source = source;
    }

    @Override
    public int exec(Evaluation ev, Object[] f) {
      return RETURN; // the function reads its return local
    }
  }

  private static final class Scan implements Stmt {
    private final int source;
    private final int key;
    private final int value;
    private final Block block;

    Scan(int source, int key, int value, Block block) {
      this.source = source;
      this.key = key;
      this.value = value;
      this.block = block;
    }

    @Override
    @SuppressWarnings("unchecked")
    public int exec(Evaluation ev, Object[] f) {
      Object s = f[source];
      if (s instanceof List) {
        List<Object> list = (List<Object>) s;
        for (int i = 0; i < list.size(); i++) {
          f[key] = (long) i;
          f[value] = list.get(i);
          int r = step(ev, f);
          if (r != NEXT) {
            return r == DONE ? NEXT : r;
          }
        }
      } else if (s instanceof Map) {
        for (Map.Entry<Object, Object> e : ((Map<Object, Object>) s).entrySet()) {
          f[key] = e.getKey();
          f[value] = e.getValue();
          int r = step(ev, f);
          if (r != NEXT) {
            return r == DONE ? NEXT : r;
          }
        }
      } else if (s instanceof Set) {
        for (Object element : (Set<Object>) s) {
          f[key] = element;
          f[value] = element;
          int r = step(ev, f);
          if (r != NEXT) {
            return r == DONE ? NEXT : r;
          }
        }
      }
      return NEXT;
    }

    /**
     * One iteration. In OPA's wasm the scan block's statements sit inline in a loop inside a block:
     * {@code br 0} goes on with the next element, {@code br 1} ends the scan, {@code br n} above
     * that leaves {@code n - 1} blocks, the one holding the scan included.
     */
    private int step(Evaluation ev, Object[] f) {
      ev.tick();
      int r = block.run(ev, f);
      if (r == NEXT || r == 0) {
        return NEXT;
      }
      if (r == RETURN) {
        return RETURN;
      }
      return r == 1 ? DONE : r - 2;
    }
  }

  /** Internal: a scan ended early. */
  private static final int DONE = -3;

  private static final class SetAdd implements Stmt {
    private final int set;
    private final Operand value;

    SetAdd(int set, Operand value) {
      this.set = set;
      this.value = value;
    }

    @Override
    @SuppressWarnings("unchecked")
    public int exec(Evaluation ev, Object[] f) {
      Object s = f[set];
      Object v = value.get(f);
      if (!(s instanceof Set) || v == null) {
        return 0;
      }
      ((Set<Object>) s).add(v);
      return NEXT;
    }
  }

  private static final class With implements Stmt {
    private final int local;
    private final String[] path;
    private final Operand value;
    private final Block block;

    With(int local, String[] path, Operand value, Block block) {
      this.local = local;
      this.path = path;
      this.value = value;
      this.block = block;
    }

    @Override
    @SuppressWarnings("unchecked")
    public int exec(Evaluation ev, Object[] f) {
      Object saved = f[local];
      Object v = value.get(f);
      if (path.length == 0) {
        f[local] = v;
      } else {
        TreeMap<Object, Object> root = copy(saved);
        TreeMap<Object, Object> node = root;
        for (int i = 0; i < path.length - 1; i++) {
          TreeMap<Object, Object> next = copy(node.get(path[i]));
          node.put(path[i], next);
          node = next;
        }
        node.put(path[path.length - 1], v);
        f[local] = root;
      }
      Object[] memo = ev.pushMemo();
      int r;
      try {
        r = block.run(ev, f);
      } finally {
        f[local] = saved;
        ev.popMemo(memo);
      }
      if (r == NEXT) {
        return NEXT;
      }
      if (r == 0) {
        return 0; // the block was undefined: so is the statement
      }
      return r == RETURN ? RETURN : r - 1;
    }

    @SuppressWarnings("unchecked")
    private static TreeMap<Object, Object> copy(Object value) {
      TreeMap<Object, Object> copy = Values.newObject();
      if (value instanceof Map) {
        copy.putAll((Map<Object, Object>) value);
      }
      return copy;
    }
  }
}
