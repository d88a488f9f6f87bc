# Enginel: build with the project's Maven wrapper on a JDK, run the fat jar on a JRE as a non-root user.
#   docker build -t enginel .
#   docker run -p 8080:8080 -e ENGINEL_PG_URI=postgresql://enginel@db:5432/enginel \
#              -e ENGINEL_REDIS_URI=redis://redis:6379 enginel
# (docker-compose.yml starts it with PostgreSQL and Redis.)

FROM eclipse-temurin:17-jdk AS build
WORKDIR /src
# dependencies first, so that a change of the sources does not download them again
COPY .mvn/ .mvn/
COPY mvnw pom.xml ./
RUN ./mvnw -q -B dependency:resolve dependency:resolve-plugins
COPY conf/ conf/
COPY src/ src/
RUN ./mvnw -q -B package -DskipTests

FROM eclipse-temurin:17-jre
RUN groupadd --system enginel && useradd --system --gid enginel --home-dir /app --shell /usr/sbin/nologin enginel
WORKDIR /app
COPY --from=build /src/target/enginel.jar /app/enginel.jar
# the defaults are packaged in the jar; this copy is what ENGINEL_CONFIG may point at, to read or to replace
COPY conf/ /app/conf/
RUN mkdir -p /app/data/files && chown -R enginel:enginel /app/data
USER enginel
# uploaded design files (content-addressed) live under data/files: mount a volume there
VOLUME ["/app/data"]
EXPOSE 8080
ENV JAVA_OPTS="-XX:MaxRAMPercentage=75 -XX:+ExitOnOutOfMemoryError"
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s --retries=3 \
  CMD ["bash", "-c", "exec 3<>/dev/tcp/127.0.0.1/8080 && printf 'GET /health HTTP/1.1\\r\\nHost: localhost\\r\\nConnection: close\\r\\n\\r\\n' >&3 && grep -q '200 OK' <&3"]
ENTRYPOINT ["sh", "-c", "exec java $JAVA_OPTS -jar /app/enginel.jar \"$@\"", "enginel"]
CMD ["serve"]
