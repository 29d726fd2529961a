package dev.portcullis.examples.cli;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The Azure geographies Azure DevOps organizations live in, with the region names their {@code
 * AzureCloud.<region>} service tags use. Microsoft-hosted agents run in any region of their
 * organization's geography (and, for organizations in Brazil South or West Europe, sometimes in a
 * fallback geography), so admitting them means admitting every region listed here for it.
 *
 * <p>Hand-maintained from Microsoft's list of Azure geographies; a region missing from a service
 * tags file is reported, not silently skipped.
 */
final class AzureGeographies {

  private AzureGeographies() {}

  /** Geography name to its regions, in Microsoft's order. */
  static final Map<String, List<String>> REGIONS = regions();

  /**
   * Geographies whose organizations' agents may also run in another geography when capacity is
   * short.
   */
  static final Map<String, String> CAPACITY_FALLBACK =
      Map.of("Brazil", "United States", "Europe", "France");

  private static Map<String, List<String>> regions() {
    Map<String, List<String>> regions = new LinkedHashMap<>();
    regions.put("Asia Pacific", List.of("eastasia", "southeastasia"));
    regions.put(
        "Australia",
        List.of("australiaeast", "australiasoutheast", "australiacentral", "australiacentral2"));
    regions.put("Brazil", List.of("brazilsouth", "brazilsoutheast"));
    regions.put("Canada", List.of("canadacentral", "canadaeast"));
    regions.put("Europe", List.of("northeurope", "westeurope"));
    regions.put("France", List.of("francecentral", "francesouth"));
    regions.put("Germany", List.of("germanywestcentral", "germanynorth"));
    regions.put("India", List.of("centralindia", "southindia", "westindia"));
    regions.put("Japan", List.of("japaneast", "japanwest"));
    regions.put("Korea", List.of("koreacentral", "koreasouth"));
    regions.put("Norway", List.of("norwayeast", "norwaywest"));
    regions.put("South Africa", List.of("southafricanorth", "southafricawest"));
    regions.put("Sweden", List.of("swedencentral", "swedensouth"));
    regions.put("Switzerland", List.of("switzerlandnorth", "switzerlandwest"));
    regions.put("United Arab Emirates", List.of("uaenorth", "uaecentral"));
    regions.put("United Kingdom", List.of("uksouth", "ukwest"));
    regions.put(
        "United States",
        List.of(
            "eastus",
            "eastus2",
            "centralus",
            "northcentralus",
            "southcentralus",
            "westcentralus",
            "westus",
            "westus2",
            "westus3"));
    return java.util.Collections.unmodifiableMap(regions);
  }

  /**
   * The geography named {@code name}, case and spacing ignored ("united-states", "UnitedStates");
   * null if none.
   */
  static String find(String name) {
    String wanted = normalize(name);
    for (String geography : REGIONS.keySet()) {
      if (normalize(geography).equals(wanted)) {
        return geography;
      }
    }
    return null;
  }

  /** The service tag of a region's Azure public addresses. */
  static String tagOf(String region) {
    return "AzureCloud." + region;
  }

  private static String normalize(String name) {
    return name.toLowerCase(Locale.ROOT).replaceAll("[^a-z]", "");
  }
}
