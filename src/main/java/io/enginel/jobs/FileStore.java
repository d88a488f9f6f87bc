package io.enginel.jobs;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.UUID;

/**
 * Uploaded design files, content-addressed: a file is stored once under {@code <root>/ab/cd/<sha-256>}
 * whatever it was called and however often it is uploaded. Uploads arrive in {@code <root>/tmp} first.
 * Every method here blocks: call it from a worker.
 */
public final class FileStore {
  /** A file in the store: its SHA-256, its size and its path relative to the root. */
  public record Stored(String sha256, long size, String path) {}

  private final Path root;

  public FileStore(Path root) {
    this.root = root.toAbsolutePath().normalize();
  }

  /** A new, not yet existing file name for an upload in progress. */
  public Path newTempFile() throws IOException {
    Path tmp = root.resolve("tmp");
    Files.createDirectories(tmp);
    return tmp.resolve("upload-" + UUID.randomUUID());
  }

  /** Hashes a finished upload and moves it to its content address (or drops it when that exists already). */
  public Stored ingest(Path upload) throws IOException {
    MessageDigest sha = sha256();
    byte[] chunk = new byte[1 << 16];
    long size = 0;
    try (InputStream in = Files.newInputStream(upload)) {
      int n;
      while ((n = in.read(chunk)) > 0) {
        sha.update(chunk, 0, n);
        size += n;
      }
    }
    String hash = HexFormat.of().formatHex(sha.digest());
    String relative = hash.substring(0, 2) + "/" + hash.substring(2, 4) + "/" + hash;
    Path target = root.resolve(relative);
    Files.createDirectories(target.getParent());
    if (Files.exists(target)) {
      Files.delete(upload);
    } else {
      Files.move(upload, target, StandardCopyOption.ATOMIC_MOVE);
    }
    return new Stored(hash, size, relative);
  }

  /** The file at a stored relative path; a path that leaves the store is refused. */
  public Path resolve(String relative) {
    Path p = root.resolve(relative).normalize();
    if (!p.startsWith(root) || p.equals(root)) {
      throw new IllegalArgumentException("not a path inside the file store: " + relative);
    }
    return p;
  }

  private static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
