package io.enginel.http;

import io.vertx.core.Handler;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.StaticHandler;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Serves {@link OpenApiDocument} at {@code /openapi.json}, unauthenticated: built on the first request, then the
 * same bytes for the life of the process (shared by every HTTP verticle instance), with a strong ETag and 304 to a
 * matching {@code If-None-Match}; and a Swagger UI page at {@code /docs} reading it, from the swagger-ui webjar.
 * Neither touches the API's own routes.
 */
final class OpenApiEndpoint implements Handler<RoutingContext> {
  private static final CharSequence CONTENT_TYPE =
      HttpHeaders.createOptimized(OpenApiDocument.MEDIA_TYPE + ";version=3.1");
  private static final CharSequence REVALIDATE = HttpHeaders.createOptimized("public, no-cache");
  private static final String SWAGGER_UI = "META-INF/resources/webjars/swagger-ui/";
  private static final String SWAGGER_UI_VERSION = "META-INF/maven/org.webjars/swagger-ui/pom.properties";

  /** One document per process (per configuration, when tests run several servers in one JVM). */
  private static final Map<OpenApiDocument.Settings, OpenApiEndpoint> BY_SETTINGS = new ConcurrentHashMap<>();

  private final OpenApiDocument.Settings settings;
  private volatile Served served;

  private record Served(Buffer body, String etag) {}

  private OpenApiEndpoint(OpenApiDocument.Settings settings) {
    this.settings = settings;
  }

  /** Registers {@code /openapi.json} and, when the swagger-ui webjar is on the class path, {@code /docs}. */
  static void mount(Router router, OpenApiDocument.Settings settings) {
    router.get(OpenApiDocument.PATH).handler(BY_SETTINGS.computeIfAbsent(settings, OpenApiEndpoint::new));
    String ui = swaggerUiRoot();
    Buffer page = Buffer.buffer(DOCS_PAGE, StandardCharsets.UTF_8.name());
    router.get(OpenApiDocument.DOCS_PATH).handler(ctx -> ctx.response()
        .putHeader(HttpHeaders.CONTENT_TYPE, "text/html; charset=utf-8").end(page));
    router.get(OpenApiDocument.DOCS_PATH + "/*").handler(StaticHandler.create(ui).setCachingEnabled(true)
        .setDirectoryListing(false));
  }

  @Override
  public void handle(RoutingContext ctx) {
    Served s = served();
    HttpServerResponse r = ctx.response().putHeader(HttpHeaders.ETAG, s.etag())
        .putHeader(HttpHeaders.CACHE_CONTROL, REVALIDATE);
    String ifNoneMatch = ctx.request().getHeader(HttpHeaders.IF_NONE_MATCH);
    if (ifNoneMatch != null && ReadResponses.matches(ifNoneMatch, s.etag())) {
      r.setStatusCode(304).end();
      return;
    }
    r.putHeader(HttpHeaders.CONTENT_TYPE, CONTENT_TYPE).end(s.body());
  }

  /** The document's bytes and ETag, built once; two first requests at once build the same bytes twice, harmlessly. */
  private Served served() {
    Served s = served;
    if (s == null) {
      Buffer body = OpenApiDocument.build(settings).toBuffer();
      s = new Served(body, etag(body.getBytes()));
      served = s;
    }
    return s;
  }

  private static String etag(byte[] bytes) {
    try {
      byte[] digest = MessageDigest.getInstance("SHA-256").digest(bytes);
      return "\"" + Base64.getUrlEncoder().withoutPadding().encodeToString(digest).substring(0, 22) + "\"";
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is part of every JRE", e);
    }
  }

  /** The webjar's folder of the swagger-ui version on the class path. */
  private static String swaggerUiRoot() {
    try (InputStream in = OpenApiEndpoint.class.getClassLoader().getResourceAsStream(SWAGGER_UI_VERSION)) {
      if (in == null) {
        throw new IllegalStateException("the swagger-ui webjar is not on the class path");
      }
      Properties p = new Properties();
      p.load(in);
      return SWAGGER_UI + p.getProperty("version");
    } catch (IOException e) {
      throw new IllegalStateException("the swagger-ui webjar cannot be read", e);
    }
  }

  private static final String DOCS_PAGE = """
      <!doctype html>
      <html lang="en">
      <head>
        <meta charset="utf-8">
        <title>Enginel API</title>
        <link rel="stylesheet" href="/docs/swagger-ui.css">
      </head>
      <body>
        <div id="ui"></div>
        <script src="/docs/swagger-ui-bundle.js"></script>
        <script>
          window.ui = SwaggerUIBundle({ url: "/openapi.json", dom_id: "#ui", deepLinking: true });
        </script>
      </body>
      </html>
      """;
}
