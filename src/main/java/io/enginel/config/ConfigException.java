package io.enginel.config;

/** Bad configuration: start-up stops with a message naming the key. Never replaced by a default. */
public final class ConfigException extends RuntimeException {
  public ConfigException(String message) {
    super(message);
  }
}
