package io.enginel.support;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A TCP proxy on a local port in front of a real service (Postgres), which a test can cut — every open
 * connection closed and new ones refused, as when the service stops — and restore on the same port. Plain
 * threads: it must keep working whatever the server under test does with its event loops.
 */
public final class TcpProxy implements AutoCloseable {
  private final String targetHost;
  private final int targetPort;
  private final int port;
  private final Set<Socket> open = ConcurrentHashMap.newKeySet();
  private volatile ServerSocket server;
  private volatile boolean frozen;

  private TcpProxy(String targetHost, int targetPort, int port) {
    this.targetHost = targetHost;
    this.targetPort = targetPort;
    this.port = port;
  }

  /** A proxy on a free port, forwarding to {@code host:port}, accepting connections. */
  public static TcpProxy start(String host, int port) {
    TcpProxy p = new TcpProxy(host, port, TestServer.freePort());
    p.restore();
    return p;
  }

  public int port() {
    return port;
  }

  /** Closes every connection and stops accepting: clients see resets, then "connection refused". */
  public synchronized void cut() {
    ServerSocket s = server;
    server = null;
    if (s != null) {
      closeQuietly(s);
    }
    open.forEach(TcpProxy::closeQuietly);
    open.clear();
  }

  /**
   * Stops forwarding without closing anything, as when the service hangs or the network drops packets:
   * connections stay open, bytes sent wait, nothing answers.
   */
  public void freeze() {
    frozen = true;
  }

  /** Forwards again what waited during {@link #freeze()}. */
  public void thaw() {
    frozen = false;
  }

  /** Accepts connections again on the same port. */
  public synchronized void restore() {
    if (server != null) {
      return;
    }
    try {
      ServerSocket s = new ServerSocket();
      s.setReuseAddress(true);
      s.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 256);
      server = s;
      Thread acceptor = new Thread(() -> accept(s), "tcp-proxy-accept-" + port);
      acceptor.setDaemon(true);
      acceptor.start();
    } catch (IOException e) {
      throw new IllegalStateException("the proxy cannot listen on " + port + ": " + e.getMessage(), e);
    }
  }

  private void accept(ServerSocket s) {
    while (!s.isClosed()) {
      Socket client;
      try {
        client = s.accept();
      } catch (IOException e) {
        return; // cut
      }
      try {
        Socket upstream = new Socket(targetHost, targetPort);
        client.setTcpNoDelay(true);
        upstream.setTcpNoDelay(true);
        open.add(client);
        open.add(upstream);
        if (server != s) { // cut while connecting
          closeQuietly(client);
          closeQuietly(upstream);
          continue;
        }
        pump(client, upstream);
        pump(upstream, client);
      } catch (IOException e) {
        closeQuietly(client);
      }
    }
  }

  private void pump(Socket from, Socket to) {
    Thread t = new Thread(() -> {
      byte[] buffer = new byte[16 * 1024];
      try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
        int n;
        while ((n = in.read(buffer)) >= 0) {
          while (frozen && !to.isClosed()) {
            Thread.sleep(5);
          }
          out.write(buffer, 0, n);
          out.flush();
        }
      } catch (IOException ignored) {
        // either side closed
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      } finally {
        closeQuietly(from);
        closeQuietly(to);
        open.remove(from);
        open.remove(to);
      }
    }, "tcp-proxy-pump-" + port);
    t.setDaemon(true);
    t.start();
  }

  private static void closeQuietly(AutoCloseable c) {
    try {
      c.close();
    } catch (Exception ignored) {
      // already closed
    }
  }

  @Override
  public void close() {
    thaw();
    cut();
  }
}
