package dev.portcullis.examples.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Runs {@code portcullis azure-ip-ranges} on a small file in the exact ServiceTags_Public schema.
 */
class AzureIpRangesCommandTest {

  @TempDir Path dir;
  private Path tags;

  @BeforeEach
  void copyServiceTags() throws IOException {
    tags = dir.resolve("ServiceTags_Public_20261123.json");
    try (InputStream in = getClass().getResourceAsStream("/ServiceTags_Public_20261123.json")) {
      Files.copy(in, tags);
    }
  }

  @Test
  void printsSortedDeduplicatedRangesOfAllTags() {
    CliRun run =
        run(
            "azure-ip-ranges",
            "--service-tags",
            tags.toString(),
            "--tag",
            "AzureDevOps",
            "--tag",
            "AzureCloud.westeurope");

    assertThat(run.code()).isZero();
    assertThat(run.out())
        .isEqualTo(
            "{\"portcullis\":{\"sonarqube\":{\"config\":{\"allowed_client_cidrs\":["
                + "\"13.69.0.0/17\",\"13.107.6.0/24\",\"20.37.158.0/23\",\"20.37.194.0/24\",\"20.50.0.0/18\","
                + "\"2603:1020:200::/46\",\"2603:1030:2::/48\",\"2620:1ec:4::/48\"]}}}}");
  }

  @Test
  void ipv4OnlyLeavesOutIpv6() {
    CliRun run =
        run(
            "azure-ip-ranges",
            "--service-tags",
            tags.toString(),
            "--tag",
            "AzureDevOps",
            "--ipv4-only");

    assertThat(run.out())
        .contains("\"13.107.6.0/24\",\"20.37.158.0/23\",\"20.37.194.0/24\"]")
        .doesNotContain("2620:");
  }

  @Test
  void mergeReplacesTheRangesAndKeepsEverythingElse() throws IOException {
    Path data =
        Files.writeString(
            dir.resolve("data.json"),
            "{\"other\":{\"x\":1},\"portcullis\":{\"sonarqube\":"
                + "{\"config\":{\"strict_mode\":true,\"allowed_client_cidrs\":[\"192.0.2.0/24\"]},\"extra\":[1]}}}");

    CliRun run =
        run(
            "azure-ip-ranges",
            "--service-tags",
            tags.toString(),
            "--tag",
            "AzureDevOps.WestEurope",
            "--merge-into",
            data.toString());

    assertThat(run.code()).isZero();
    String merged = Files.readString(data).replaceAll("\\s", "");
    assertThat(merged)
        .isEqualTo(
            "{\"other\":{\"x\":1},\"portcullis\":{\"sonarqube\":{\"config\":{\"strict_mode\":true,"
                + "\"allowed_client_cidrs\":[\"20.61.98.0/24\"]},\"extra\":[1]}}}");
    assertThat(run.out()).contains("Wrote 1 ranges");
    assertThat(Files.list(dir)).hasSize(2);
  }

  @Test
  void mergeIntoAMissingFileCreatesIt() throws IOException {
    Path data = dir.resolve("new.json");

    assertThat(
            run(
                    "azure-ip-ranges",
                    "--service-tags",
                    tags.toString(),
                    "--tag",
                    "AzureCloud.northeurope",
                    "--ipv4-only",
                    "--merge-into",
                    data.toString())
                .code())
        .isZero();
    assertThat(Files.readString(data).replaceAll("\\s", ""))
        .isEqualTo(
            "{\"portcullis\":{\"sonarqube\":{\"config\":{\"allowed_client_cidrs\":[\"13.69.128.0/17\"]}}}}");
  }

  @Test
  void unknownTagExits2WithCloseNames() {
    CliRun run = run("azure-ip-ranges", "--service-tags", tags.toString(), "--tag", "azuredevops");
    CliRun region =
        run("azure-ip-ranges", "--service-tags", tags.toString(), "--tag", "AzureCloud.westeurop");

    assertThat(run.code()).isEqualTo(2);
    assertThat(run.out()).isEmpty();
    assertThat(run.err()).contains("unknown service tag 'azuredevops'", "AzureDevOps");
    assertThat(region.code()).isEqualTo(2);
    assertThat(region.err()).contains("close names: [AzureCloud.westeurope");
    assertThat(AzureIpRangesCommand.closeNames("Nothing", List.of("AzureDevOps"))).isEmpty();
  }

  @Test
  void badFilesExit2AndSayWhy() throws IOException {
    Path notJson = Files.writeString(dir.resolve("a.json"), "{\"values\": [");
    Path noValues = Files.writeString(dir.resolve("b.json"), "{\"changeNumber\": 1}");
    Path badPrefix =
        Files.writeString(
            dir.resolve("c.json"),
            "{\"values\":[{\"name\":\"T\",\"id\":\"T\","
                + "\"properties\":{\"addressPrefixes\":[\"13.107.6.0/33\"]}}]}");
    Path badData = Files.writeString(dir.resolve("d.json"), "[]");

    assertThat(run("azure-ip-ranges", "--service-tags", notJson.toString(), "--tag", "T").err())
        .contains("not valid JSON");
    assertThat(run("azure-ip-ranges", "--service-tags", noValues.toString(), "--tag", "T").err())
        .contains("\"values\"");
    CliRun prefix = run("azure-ip-ranges", "--service-tags", badPrefix.toString(), "--tag", "T");
    assertThat(prefix.code()).isEqualTo(2);
    assertThat(prefix.err()).contains("service tag 'T'", "13.107.6.0/33");
    assertThat(
            run(
                    "azure-ip-ranges",
                    "--service-tags",
                    dir.resolve("missing.json").toString(),
                    "--tag",
                    "T")
                .code())
        .isEqualTo(2);
    CliRun data =
        run(
            "azure-ip-ranges",
            "--service-tags",
            tags.toString(),
            "--tag",
            "AzureDevOps",
            "--merge-into",
            badData.toString());
    assertThat(data.code()).isEqualTo(2);
    assertThat(data.err()).contains("not a JSON object");
    assertThat(run("azure-ip-ranges", "--service-tags", tags.toString()).code()).isEqualTo(2);
  }

  @Test
  void aGeographyAddsEveryRegionTagItsAgentsMayRunInAndSaysWhatThatAdmits() {
    CliRun run =
        run(
            "azure-ip-ranges",
            "--service-tags",
            tags.toString(),
            "--geography",
            "europe",
            "--ipv4-only");

    assertThat(run.code()).isZero();
    // North and West Europe, and France, the capacity fallback of organizations in West Europe.
    assertThat(run.out())
        .isEqualTo(
            "{\"portcullis\":{\"sonarqube\":{\"config\":{\"allowed_client_cidrs\":["
                + "\"13.69.0.0/17\",\"13.69.128.0/17\",\"13.107.6.0/24\",\"20.19.0.0/16\",\"20.39.80.0/20\",\"20.50.0.0/18\"]}}}}");
    assertThat(run.err()).contains("admit every Azure customer in those regions");
  }

  @Test
  void aGeographyWhoseRegionTheFileLacksIsAnError() {
    CliRun run =
        run("azure-ip-ranges", "--service-tags", tags.toString(), "--geography", "Germany");
    CliRun unknown =
        run("azure-ip-ranges", "--service-tags", tags.toString(), "--geography", "Atlantis");

    assertThat(run.code()).isEqualTo(2);
    assertThat(run.err()).contains("germanywestcentral", "AzureCloud.germanywestcentral");
    assertThat(unknown.code()).isEqualTo(2);
    assertThat(unknown.err()).contains("unknown geography 'Atlantis'", "United States");
  }

  @Test
  void theAzureDevOpsTagWarnsThatItIsNotTheHostedAgents() {
    CliRun run = run("azure-ip-ranges", "--service-tags", tags.toString(), "--tag", "AzureDevOps");

    assertThat(run.code()).isZero();
    assertThat(run.err()).contains("not Microsoft-hosted agents", "--geography");
  }

  @Test
  void listsTheGeographiesAndTheirRegionTags() {
    CliRun run = run("azure-ip-ranges", "--list-geographies");

    assertThat(run.code()).isZero();
    assertThat(run.out())
        .contains(
            "United States: AzureCloud.eastus AzureCloud.eastus2",
            "Europe: AzureCloud.northeurope "
                + "AzureCloud.westeurope (capacity fallback: France)");
  }

  private static CliRun run(String... args) {
    return CliRun.of(args);
  }
}
