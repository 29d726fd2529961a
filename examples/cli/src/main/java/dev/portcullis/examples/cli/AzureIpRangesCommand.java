package dev.portcullis.examples.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.portcullis.client.Cidr;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code portcullis azure-ip-ranges}: turns Microsoft's "Azure IP Ranges and Service Tags" file
 * ({@code ServiceTags_Public_*.json}) into the {@code allowed_client_cidrs} of the policy
 * configuration, printed as a data document or written into an existing one. Exits 0 on success, 2
 * on a usage error, an unreadable or malformed file or an unknown tag.
 */
@Command(
    name = "azure-ip-ranges",
    mixinStandardHelpOptions = true,
    description = {
      "Turn Azure service tags (ServiceTags_Public_*.json) into the policy's allowed_client_cidrs.",
      "Microsoft-hosted agents run in any region of their organization's Azure geography: use --geography",
      "(the AzureCloud.<region> tags of every region there, which admit every Azure customer in them too).",
      "The AzureDevOps tag is the service's own traffic, not the hosted agents'. The token check and the",
      "endpoint allow-list are the real control; the IP allow-list is defence in depth.",
      "Prints {\"portcullis\":{\"sonarqube\":{\"config\":{\"allowed_client_cidrs\":[...]}}}}, or with --merge-into "
          + "replaces allowed_client_cidrs in that data file and keeps everything else.",
      "Exit code: 0 done, 2 usage error, bad file or unknown tag."
    })
final class AzureIpRangesCommand implements Callable<Integer> {

  private static final ObjectMapper JSON = new ObjectMapper();

  @Spec CommandSpec spec;

  @Option(
      names = "--service-tags",
      description =
          "The downloaded ServiceTags_Public_YYYYMMDD.json (or another cloud's file in the same schema).")
  Path serviceTags;

  @Option(
      names = "--tag",
      description = "A service tag name, such as AzureCloud.westeurope; repeatable.")
  List<String> tags = new ArrayList<>();

  @Option(
      names = "--geography",
      paramLabel = "NAME",
      description =
          "An Azure geography (as your organization's overview shows it, e.g. \"United States\" or Europe): "
              + "adds the AzureCloud.<region> tag of each of its regions, and of its capacity fallback geography; "
              + "repeatable. See --list-geographies.")
  List<String> geographies = new ArrayList<>();

  @Option(
      names = "--list-geographies",
      description = "Print the known geographies and their region tags, then exit.")
  boolean listGeographies;

  @Option(names = "--ipv4-only", description = "Leave out IPv6 ranges.")
  boolean ipv4Only;

  @Option(
      names = "--merge-into",
      description =
          "A policy data file whose allowed_client_cidrs is replaced "
              + "(created when missing); its other keys are kept.")
  Path mergeInto;

  @Override
  public Integer call() {
    PrintWriter err = spec.commandLine().getErr();
    if (listGeographies) {
      AzureGeographies.REGIONS.forEach(
          (geography, regions) ->
              spec.commandLine()
                  .getOut()
                  .println(
                      geography
                          + ": "
                          + regions.stream()
                              .map(AzureGeographies::tagOf)
                              .collect(Collectors.joining(" "))
                          + (AzureGeographies.CAPACITY_FALLBACK.containsKey(geography)
                              ? " (capacity fallback: "
                                  + AzureGeographies.CAPACITY_FALLBACK.get(geography)
                                  + ")"
                              : "")));
      return 0;
    }
    if (serviceTags == null || (tags.isEmpty() && geographies.isEmpty())) {
      err.println(
          "portcullis: give --service-tags FILE and at least one --tag or --geography (see --help)");
      return PortcullisCli.USAGE_OR_LOAD_ERROR;
    }
    try {
      Map<String, JsonNode> byName = readTags(serviceTags);
      List<String> wanted = new ArrayList<>(tags);
      for (String name : geographies) {
        wanted.addAll(geographyTags(name, byName.keySet()));
      }
      if (tags.stream()
          .anyMatch(
              tag ->
                  tag.equalsIgnoreCase("AzureDevOps")
                      || tag.toLowerCase(Locale.ROOT).startsWith("azuredevops."))) {
        err.println(
            "portcullis: warning: the AzureDevOps service tag is Azure DevOps' own traffic (service hooks, "
                + "imports), not Microsoft-hosted agents; for hosted agents use --geography");
      }
      if (!geographies.isEmpty()) {
        err.println(
            "portcullis: note: AzureCloud.<region> ranges admit every Azure customer in those regions; "
                + "the token check and the endpoint allow-list remain the real control");
      }
      TreeSet<Cidr> cidrs = new TreeSet<>();
      for (String tag : wanted) {
        JsonNode value = byName.get(tag);
        if (value == null) {
          err.println(
              "portcullis: unknown service tag '"
                  + tag
                  + "' in "
                  + serviceTags
                  + "; close names: "
                  + closeNames(tag, byName.keySet()));
          return PortcullisCli.USAGE_OR_LOAD_ERROR;
        }
        cidrs.addAll(prefixes(tag, value));
      }
      List<String> ranges =
          cidrs.stream()
              .filter(cidr -> !ipv4Only || cidr.isIpv4())
              .map(Cidr::toString)
              .collect(Collectors.toList());
      if (mergeInto == null) {
        spec.commandLine()
            .getOut()
            .println(JSON.writeValueAsString(merge(JSON.createObjectNode(), ranges)));
      } else {
        write(mergeInto, merge(readDataFile(mergeInto), ranges));
        spec.commandLine()
            .getOut()
            .println("Wrote " + ranges.size() + " ranges for " + wanted + " to " + mergeInto + ".");
      }
      return 0;
    } catch (BadInputException e) {
      err.println("portcullis: " + e.getMessage());
      return PortcullisCli.USAGE_OR_LOAD_ERROR;
    } catch (IOException e) {
      err.println("portcullis: " + e.getMessage());
      return PortcullisCli.USAGE_OR_LOAD_ERROR;
    }
  }

  /**
   * The {@code AzureCloud.<region>} tags of a geography and of its capacity fallback geography. A
   * region whose tag the file lacks is an error, not a silent gap in the allow-list.
   */
  private static List<String> geographyTags(String name, java.util.Set<String> available) {
    String geography = AzureGeographies.find(name);
    if (geography == null) {
      throw new BadInputException(
          "unknown geography '" + name + "'; known: " + AzureGeographies.REGIONS.keySet());
    }
    List<String> wanted = new ArrayList<>();
    List<String> geographiesToAdd = new ArrayList<>(List.of(geography));
    if (AzureGeographies.CAPACITY_FALLBACK.containsKey(geography)) {
      geographiesToAdd.add(AzureGeographies.CAPACITY_FALLBACK.get(geography));
    }
    for (String each : geographiesToAdd) {
      for (String region : AzureGeographies.REGIONS.get(each)) {
        String tag = AzureGeographies.tagOf(region);
        if (!available.contains(tag)) {
          throw new BadInputException(
              "geography '"
                  + each
                  + "' has region "
                  + region
                  + ", but the file has no "
                  + tag
                  + " tag; add the other regions with --tag instead");
        }
        wanted.add(tag);
      }
    }
    return wanted;
  }

  /** The service tags of the file by name, in file order. */
  private static Map<String, JsonNode> readTags(Path file) throws IOException {
    JsonNode root = readJson(file);
    JsonNode values = root.get("values");
    if (!root.isObject() || values == null || !values.isArray()) {
      throw new BadInputException(file + " is not a service tags file: it has no \"values\" array");
    }
    Map<String, JsonNode> byName = new LinkedHashMap<>();
    for (JsonNode value : values) {
      JsonNode name = value.get("name");
      if (name == null || !name.isTextual()) {
        throw new BadInputException(file + " is not a service tags file: a value has no \"name\"");
      }
      byName.put(name.asText(), value);
    }
    return byName;
  }

  private static List<Cidr> prefixes(String tag, JsonNode value) {
    JsonNode prefixes = value.path("properties").get("addressPrefixes");
    if (prefixes == null || !prefixes.isArray()) {
      throw new BadInputException(
          "service tag '" + tag + "' has no properties.addressPrefixes array");
    }
    List<Cidr> cidrs = new ArrayList<>();
    for (JsonNode prefix : prefixes) {
      if (!prefix.isTextual()) {
        throw new BadInputException(
            "service tag '" + tag + "' has an address prefix that is not a string");
      }
      try {
        cidrs.add(Cidr.parse(prefix.asText()));
      } catch (IllegalArgumentException e) {
        throw new BadInputException("service tag '" + tag + "': " + e.getMessage());
      }
    }
    return cidrs;
  }

  /** {@code data} with portcullis.sonarqube.config.allowed_client_cidrs set to {@code ranges}. */
  private static ObjectNode merge(ObjectNode data, List<String> ranges) {
    ObjectNode config = object(object(object(data, "portcullis"), "sonarqube"), "config");
    ArrayNode array = config.putArray("allowed_client_cidrs");
    ranges.forEach(array::add);
    return data;
  }

  private static ObjectNode object(ObjectNode parent, String name) {
    JsonNode child = parent.get(name);
    if (child == null) {
      return parent.putObject(name);
    }
    if (!child.isObject()) {
      throw new BadInputException("the data file's \"" + name + "\" is not an object");
    }
    return (ObjectNode) child;
  }

  private static ObjectNode readDataFile(Path file) throws IOException {
    if (!Files.exists(file)) {
      return JSON.createObjectNode();
    }
    JsonNode data = readJson(file);
    if (!data.isObject()) {
      throw new BadInputException(file + " is not a JSON object");
    }
    return (ObjectNode) data;
  }

  private static JsonNode readJson(Path file) throws IOException {
    try {
      JsonNode node = JSON.readTree(Files.readString(file, StandardCharsets.UTF_8));
      if (node == null || node.isMissingNode()) {
        throw new BadInputException(file + " is empty");
      }
      return node;
    } catch (JsonProcessingException e) {
      throw new BadInputException(file + " is not valid JSON: " + e.getOriginalMessage());
    } catch (IOException e) {
      throw new BadInputException("cannot read " + file + ": " + e);
    }
  }

  /** Writes next to the file and moves it over, so a failure never leaves half a data file. */
  private static void write(Path file, ObjectNode data) throws IOException {
    Path absolute = file.toAbsolutePath();
    Path temporary =
        Files.createTempFile(absolute.getParent(), absolute.getFileName().toString(), ".tmp");
    try {
      Files.writeString(
          temporary,
          JSON.writerWithDefaultPrettyPrinter().writeValueAsString(data) + "\n",
          StandardCharsets.UTF_8);
      Files.move(
          temporary, absolute, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    } finally {
      Files.deleteIfExists(temporary);
    }
  }

  /**
   * Up to ten tag names that differ only in case, contain or are contained in {@code tag}, or are a
   * few edits away.
   */
  static List<String> closeNames(String tag, Iterable<String> names) {
    String wanted = tag.toLowerCase(Locale.ROOT);
    List<String> close = new ArrayList<>();
    for (String name : names) {
      String candidate = name.toLowerCase(Locale.ROOT);
      if (candidate.contains(wanted)
          || wanted.contains(candidate)
          || distance(candidate, wanted) <= 3) {
        close.add(name);
      }
    }
    close.sort(
        Comparator.comparingInt((String name) -> distance(name.toLowerCase(Locale.ROOT), wanted))
            .thenComparing(Comparator.naturalOrder()));
    return close.subList(0, Math.min(10, close.size()));
  }

  private static int distance(String a, String b) {
    int[] previous = new int[b.length() + 1];
    int[] current = new int[b.length() + 1];
    for (int j = 0; j <= b.length(); j++) {
      previous[j] = j;
    }
    for (int i = 1; i <= a.length(); i++) {
      current[0] = i;
      for (int j = 1; j <= b.length(); j++) {
        int substitution = previous[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1);
        current[j] = Math.min(substitution, Math.min(previous[j], current[j - 1]) + 1);
      }
      int[] swap = previous;
      previous = current;
      current = swap;
    }
    return previous[b.length()];
  }

  /** The service tags file or the data file cannot be used; the message says why. */
  private static final class BadInputException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    BadInputException(String message) {
      super(message);
    }
  }
}
