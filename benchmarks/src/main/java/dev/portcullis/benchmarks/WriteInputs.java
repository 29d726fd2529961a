package dev.portcullis.benchmarks;

import dev.portcullis.policies.SonarQubePolicy;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/**
 * Writes the benchmark requests' policy inputs as {@code <dir>/allowed.json} and {@code
 * <dir>/denied.json}, byte for byte what the Java engines evaluate, for {@code opa bench --input};
 * and the data document the benchmarked engine is given ({@code SonarQubePolicy.data(null)}) as
 * {@code <dir>/data/data.json}, for {@code opa bench --data}, so that both evaluate the same policy
 * with the same data.
 */
public final class WriteInputs {

  private WriteInputs() {}

  public static void main(String[] args) throws IOException {
    if (args.length != 1) {
      System.err.println("usage: WriteInputs <dir>");
      System.exit(2);
    }
    Path dir = Files.createDirectories(Path.of(args[0]));
    for (ScannerRequests request : ScannerRequests.values()) {
      Path file = dir.resolve(request.name().toLowerCase(Locale.ROOT) + ".json");
      Files.writeString(file, request.input().toJson(), StandardCharsets.UTF_8);
      System.out.println(file);
    }
    Path data = Files.createDirectories(dir.resolve("data")).resolve("data.json");
    Files.writeString(data, SonarQubePolicy.data(null), StandardCharsets.UTF_8);
    System.out.println(data);
  }
}
