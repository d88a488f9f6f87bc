package io.enginel;

import io.enginel.repository.WorkloadSeeder;

import java.io.PrintStream;

/**
 * A seed's progress on the console: each step on a line of its own, and each table's rows as
 * {@code seed: design_assets   20,000 / 40,000 rows   50%}. On a terminal the line of the table being loaded
 * is rewritten after every batch; otherwise (a file, a pipe) one line is printed when a table — or, at a scale
 * above 1, each block's part of it — is done, so a log stays readable.
 */
final class ConsoleProgress implements WorkloadSeeder.Progress {
  private final PrintStream out;
  private final boolean terminal;
  private boolean lineOpen;

  ConsoleProgress(PrintStream out, boolean terminal) {
    this.out = out;
    this.terminal = terminal;
  }

  /** On the process's standard output, rewriting lines when it is a terminal. */
  static ConsoleProgress onStandardOutput() {
    return new ConsoleProgress(System.out, System.console() != null);
  }

  @Override
  public synchronized void step(String what) {
    closeLine();
    out.println("seed: " + what);
    out.flush();
  }

  @Override
  public synchronized void rows(String table, long done, long total, boolean partDone) {
    String line = String.format("seed: %-15s %,11d / %,d rows %4d%%", table, done, total,
        total == 0 ? 100 : done * 100 / total);
    if (terminal) {
      out.print("\r" + line);
      lineOpen = true;
      if (partDone) {
        closeLine();
      }
    } else if (partDone) {
      out.println(line);
    }
    out.flush();
  }

  private void closeLine() {
    if (lineOpen) {
      out.println();
      lineOpen = false;
    }
  }
}
