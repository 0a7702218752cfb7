# jdetr, CPU image: the shaded jar with the libtorch CPU natives it bundles.
#   mvn -B package -DskipTests && docker build -t REGISTRY/jdetr:0.1.0 . && docker push REGISTRY/jdetr:0.1.0
# The manifests in k8s/ rely on what this file declares: ENTRYPOINT (they give only args), the
# paths under /app, the user id 10001 and the writable /tmp (k8s/ImageContractTest checks them).
FROM eclipse-temurin:17-jre

RUN groupadd --system --gid 10001 jdetr \
 && useradd --system --uid 10001 --gid 10001 --home-dir /app --shell /usr/sbin/nologin jdetr

WORKDIR /app
COPY target/jdetr.jar /app/jdetr.jar
COPY conf/ /app/conf/
COPY verticles/ /app/verticles/

# libtorch's natives are unpacked from the jar once, at build time, so that a read-only root
# filesystem works at run time.
ENV DJL_CACHE_DIR=/app/cache/djl
RUN java -jar /app/jdetr.jar engine && chown -R 10001:10001 /app/cache

USER 10001:10001
# 8080: detection server; 8081: node health and metrics; 5701: Hazelcast; 5801: event bus
EXPOSE 8080 8081 5701 5801
# half the memory limit for the heap: libtorch's tensors live outside it
ENTRYPOINT ["java", "-XX:MaxRAMPercentage=50", "-XX:+ExitOnOutOfMemoryError", "-Djava.io.tmpdir=/tmp", "-Dvertx.cacheDirBase=/tmp/vertx-cache", "--add-modules", "java.se", "--add-exports", "java.base/jdk.internal.ref=ALL-UNNAMED", "--add-opens", "java.base/java.lang=ALL-UNNAMED", "--add-opens", "java.base/sun.nio.ch=ALL-UNNAMED", "--add-opens", "java.management/sun.management=ALL-UNNAMED", "--add-opens", "jdk.management/com.sun.management.internal=ALL-UNNAMED", "-jar", "/app/jdetr.jar"]
CMD ["--help"]
