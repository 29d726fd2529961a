package dev.portcullis.examples.cli;

import java.io.InputStream;
import java.io.PrintWriter;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The {@code portcullis} command: {@code decide} asks a policy about one request, {@code
 * azure-ip-ranges} imports Azure service tags, {@code hash-token} prints a token's line for a
 * static token file.
 */
@Command(
    name = "portcullis",
    mixinStandardHelpOptions = true,
    version = "portcullis 0.1.0",
    description = "Ask a Portcullis policy for decisions, exactly as a gateway would.",
    subcommands = {DecideCommand.class, AzureIpRangesCommand.class, HashTokenCommand.class})
public final class PortcullisCli {

  /** Exit code when the request was allowed. */
  static final int ALLOWED = 0;

  /** Exit code when the request was denied. */
  static final int DENIED = 1;

  /** Exit code for a usage error or a policy that cannot be loaded. */
  static final int USAGE_OR_LOAD_ERROR = 2;

  public static void main(String[] args) {
    // The CLI prints one JSON object on stdout; library logs go to stderr and only when they
    // matter.
    System.setProperty(
        "org.slf4j.simpleLogger.defaultLogLevel",
        System.getProperty("org.slf4j.simpleLogger.defaultLogLevel", "warn"));
    System.setProperty("org.slf4j.simpleLogger.logFile", "System.err");
    System.exit(
        run(System.in, new PrintWriter(System.out, true), new PrintWriter(System.err, true), args));
  }

  /**
   * Runs the command line with the given output streams and the process's standard input; returns
   * the exit code.
   */
  static int run(PrintWriter out, PrintWriter err, String... args) {
    return run(System.in, out, err, args);
  }

  /**
   * A usage error without the offending value when it was an unexpected argument: people paste
   * tokens where they do not belong (as in {@code hash-token sqp_...}), and usage errors end up in
   * CI logs.
   */
  private static String describe(CommandLine.ParameterException exception) {
    if (exception instanceof CommandLine.UnmatchedArgumentException) {
      return "unexpected argument (not shown, it may be a secret); this command takes options only";
    }
    return exception.getMessage();
  }

  /** Runs the command line with the given streams; returns the exit code. */
  static int run(InputStream in, PrintWriter out, PrintWriter err, String... args) {
    CommandLine commandLine = new CommandLine(new PortcullisCli());
    commandLine.getSubcommands().get("hash-token").<HashTokenCommand>getCommand().in = in;
    commandLine.setOut(out);
    commandLine.setErr(err);
    commandLine.setParameterExceptionHandler(
        (exception, arguments) -> {
          err.println("portcullis: " + describe(exception));
          err.println(
              "Run 'portcullis "
                  + (arguments.length > 0 ? arguments[0] + " " : "")
                  + "--help' for usage.");
          return USAGE_OR_LOAD_ERROR;
        });
    commandLine.setExecutionExceptionHandler(
        (exception, parsed, parseResult) -> {
          err.println("portcullis: " + exception.getMessage());
          return USAGE_OR_LOAD_ERROR;
        });
    int code = commandLine.execute(args);
    return args.length == 0 ? USAGE_OR_LOAD_ERROR : code;
  }
}
