package dev.portcullis.examples.gateway;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeSet;
import picocli.CommandLine.IDefaultValueProvider;
import picocli.CommandLine.Model.ArgSpec;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

/**
 * Where an option's value comes from when the command line does not give it: the environment
 * variable {@code PORTCULLIS_<OPTION>} (upper case, dashes as underscores), else the key of the
 * same name in the {@code --config} YAML file (or {@code PORTCULLIS_CONFIG}), else the option's
 * default. So a flag beats the environment, which beats the file. A file key that names no option,
 * or a value of the wrong shape, stops the start with the file and the key named; a wrongly typed
 * value is reported by the parser with its source appended ({@link #sourceOf}).
 */
final class GatewaySettings implements IDefaultValueProvider {

  static final String ENVIRONMENT_PREFIX = "PORTCULLIS_";
  private static final String CONFIG_OPTION = "--config";

  /** Refuses an option given twice in the file: the second silently won before. */
  private static final ObjectMapper YAML =
      new ObjectMapper(new YAMLFactory())
          .enable(DeserializationFeature.FAIL_ON_READING_DUP_TREE_KEY);

  private final Map<String, String> values;
  private final Map<String, String> sources;

  private GatewaySettings(Map<String, String> values, Map<String, String> sources) {
    this.values = values;
    this.sources = sources;
  }

  /**
   * The settings for {@code spec}'s options from {@code environment} and the config file that
   * {@code args} or the environment name.
   *
   * @throws IllegalArgumentException when the config file cannot be read or names an unknown key
   */
  static GatewaySettings load(CommandSpec spec, String[] args, Map<String, String> environment) {
    Map<String, OptionSpec> options = new LinkedHashMap<>();
    for (OptionSpec option : spec.options()) {
      if (!option.usageHelp()
          && !option.versionHelp()
          && !option.longestName().equals(CONFIG_OPTION)) {
        options.put(option.longestName().substring(2), option);
      }
    }
    Map<String, String> values = new HashMap<>();
    Map<String, String> sources = new HashMap<>();
    Path file = configFile(args, environment);
    if (file != null) {
      readFile(file, options, values, sources);
    }
    for (String key : options.keySet()) {
      String variable = environmentVariable(key);
      String value = environment.get(variable);
      if (value != null) {
        values.put(key, value);
        sources.put(key, "environment variable " + variable);
      }
    }
    return new GatewaySettings(values, sources);
  }

  /**
   * The environment variable of an option, such as {@code PORTCULLIS_IDLE_TIMEOUT} for {@code
   * idle-timeout}.
   */
  static String environmentVariable(String key) {
    return ENVIRONMENT_PREFIX + key.toUpperCase(Locale.ROOT).replace('-', '_');
  }

  @Override
  public String defaultValue(ArgSpec argSpec) {
    if (argSpec instanceof OptionSpec) {
      String longest = ((OptionSpec) argSpec).longestName();
      if (longest.startsWith("--")) {
        return values.get(longest.substring(2));
      }
    }
    return null;
  }

  /**
   * " (from ...)" naming where a rejected value came from when it was not the command line; ""
   * otherwise.
   */
  String sourceOf(ArgSpec argSpec) {
    if (argSpec instanceof OptionSpec && !argSpec.originalStringValues().isEmpty()) {
      return ""; // given on the command line
    }
    if (argSpec instanceof OptionSpec) {
      String source = sources.get(((OptionSpec) argSpec).longestName().substring(2));
      return source == null ? "" : " (from " + source + ")";
    }
    return "";
  }

  private static Path configFile(String[] args, Map<String, String> environment) {
    for (int i = 0; i < args.length; i++) {
      if (args[i].equals(CONFIG_OPTION) && i + 1 < args.length) {
        return Path.of(args[i + 1]);
      }
      if (args[i].startsWith(CONFIG_OPTION + "=")) {
        return Path.of(args[i].substring(CONFIG_OPTION.length() + 1));
      }
    }
    String fromEnvironment = environment.get(ENVIRONMENT_PREFIX + "CONFIG");
    return fromEnvironment == null || fromEnvironment.isBlank() ? null : Path.of(fromEnvironment);
  }

  private static void readFile(
      Path file,
      Map<String, OptionSpec> options,
      Map<String, String> values,
      Map<String, String> sources) {
    JsonNode root;
    try {
      root = YAML.readTree(Files.readString(file));
    } catch (IOException e) {
      throw new IllegalArgumentException("cannot read --config " + file + ": " + e.getMessage(), e);
    }
    if (root == null || root.isMissingNode() || root.isNull()) {
      return; // an empty file sets nothing
    }
    if (!root.isObject()) {
      throw new IllegalArgumentException(
          "--config " + file + " must be a YAML mapping of option names to values");
    }
    for (Iterator<Map.Entry<String, JsonNode>> fields = root.fields(); fields.hasNext(); ) {
      Map.Entry<String, JsonNode> field = fields.next();
      String key = field.getKey();
      OptionSpec option = options.get(key);
      if (option == null) {
        throw new IllegalArgumentException(
            "--config "
                + file
                + ": unknown key '"
                + key
                + "'; known keys: "
                + new TreeSet<>(options.keySet()));
      }
      values.put(key, text(file, key, field.getValue(), option.isMultiValue()));
      sources.put(key, "--config " + file + " key '" + key + "'");
    }
  }

  /**
   * A scalar as text; a list, for options that take several values, as their comma-separated text.
   */
  private static String text(Path file, String key, JsonNode value, boolean multiValue) {
    if (value.isValueNode() && !value.isNull()) {
      return value.asText();
    }
    if (value.isArray() && multiValue) {
      List<String> items = new java.util.ArrayList<>();
      for (JsonNode item : value) {
        if (!item.isValueNode() || item.isNull() || item.asText().contains(",")) {
          throw new IllegalArgumentException(
              "--config " + file + " key '" + key + "': each item must be a plain value");
        }
        items.add(item.asText());
      }
      return String.join(",", items);
    }
    throw new IllegalArgumentException(
        "--config "
            + file
            + " key '"
            + key
            + "' must be "
            + (multiValue ? "a value or a list of values" : "a single value"));
  }
}
