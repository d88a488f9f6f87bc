package io.enginel;

import io.enginel.repository.WorkloadSeeder;

import java.util.List;

/**
 * The command line, {@code [serve | seed [--scale N] | migrate] [--verbose]}: the command ({@code serve} when none
 * is given), the scale of {@code seed} (1 by default) and whether a failure prints its stack trace. Anything else is
 * refused with one line saying what was wrong.
 */
record CommandLine(String command, int scale, boolean verbose, boolean help) {
  static final String USAGE = "java -jar enginel.jar [serve | seed [--scale N] | migrate] [--verbose]";
  private static final List<String> COMMANDS = List.of("serve", "seed", "migrate");

  static CommandLine parse(String[] args) {
    String command = null;
    Integer scale = null;
    boolean verbose = false;
    boolean help = false;
    for (int i = 0; i < args.length; i++) {
      String a = args[i];
      if (a.equals("--verbose") || a.equals("-v")) {
        verbose = true;
      } else if (a.equals("--help") || a.equals("-h") || a.equals("help")) {
        help = true;
      } else if (a.equals("--scale") || a.startsWith("--scale=")) {
        String value = a.equals("--scale") ? (i + 1 < args.length ? args[++i] : null) : a.substring("--scale=".length());
        scale = scale(value);
      } else if (a.startsWith("-")) {
        throw CannotRun.usage("unknown option '" + a + "'");
      } else if (command == null) {
        if (!COMMANDS.contains(a)) {
          throw CannotRun.usage("unknown command '" + a + "'");
        }
        command = a;
      } else {
        throw CannotRun.usage("unexpected argument '" + a + "' after '" + command + "'");
      }
    }
    command = command == null ? "serve" : command;
    if (scale != null && !command.equals("seed")) {
      throw CannotRun.usage("--scale belongs to 'seed', not to '" + command + "'");
    }
    return new CommandLine(command, scale == null ? 1 : scale, verbose, help);
  }

  private static int scale(String value) {
    String why = "--scale takes a whole number from 1 to " + WorkloadSeeder.MAX_SCALE;
    if (value == null) {
      throw CannotRun.usage(why + ", and none was given");
    }
    try {
      int n = Integer.parseInt(value.trim());
      if (n >= 1 && n <= WorkloadSeeder.MAX_SCALE) {
        return n;
      }
    } catch (NumberFormatException e) {
      // refused below
    }
    throw CannotRun.usage(why + ", not '" + value + "'");
  }
}
