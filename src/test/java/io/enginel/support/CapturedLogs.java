package io.enginel.support;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.ThrowableProxyUtil;
import ch.qos.logback.core.read.ListAppender;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;

/**
 * Everything this JVM logs while it is open — Enginel's loggers down to DEBUG if asked — as the text an
 * operator would read (message and stack trace), for tests of what must and must not be logged.
 */
public final class CapturedLogs implements AutoCloseable {
  private final ListAppender<ILoggingEvent> appender = new ListAppender<>();
  private final Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
  private final List<Logger> lowered = new ArrayList<>();
  private final List<Level> before = new ArrayList<>();

  private CapturedLogs(boolean debug) {
    if (debug) {
      for (String name : List.of("io.enginel", "io.enginel.cache")) {
        Logger l = (Logger) LoggerFactory.getLogger(name);
        lowered.add(l);
        before.add(l.getLevel());
        l.setLevel(Level.DEBUG);
      }
    }
    appender.start();
    root.addAppender(appender);
  }

  /** Captures at the configured levels. */
  public static CapturedLogs start() {
    return new CapturedLogs(false);
  }

  /** Captures with Enginel's loggers at DEBUG (every cache hit and miss line included). */
  public static CapturedLogs startDebug() {
    return new CapturedLogs(true);
  }

  /** Each event as "LEVEL message" followed by its stack trace, if any. */
  public List<String> lines() {
    List<String> out = new ArrayList<>();
    for (ILoggingEvent e : List.copyOf(appender.list)) {
      String text = e.getLevel() + " " + e.getFormattedMessage();
      if (e.getThrowableProxy() != null) {
        text += "\n" + ThrowableProxyUtil.asString(e.getThrowableProxy());
      }
      out.add(text);
    }
    return out;
  }

  @Override
  public void close() {
    root.detachAppender(appender);
    appender.stop();
    for (int i = 0; i < lowered.size(); i++) {
      lowered.get(i).setLevel(before.get(i));
    }
  }
}
