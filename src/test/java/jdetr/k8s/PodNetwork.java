package jdetr.k8s;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Pod networking on one machine: a bridge with the host at {@code 10.<net>.0.1/24}, and per pod a
 * network namespace joined to it by a veth pair, with its own address. A Service name resolves to
 * the addresses of the pods it selects through the namespace's {@code /etc/netns/<ns>/hosts} (which
 * {@code ip netns exec} mounts over /etc/hosts), rewritten in place when pods come and go. Only the
 * namespaces and the host take part; everything is removed on close. Needs root (CAP_NET_ADMIN,
 * CAP_SYS_ADMIN): a refusal fails with the command's message.
 */
final class PodNetwork implements AutoCloseable {
  private final String prefix;
  private final int net;
  private final String bridge;
  private final Map<String, String> ips = new LinkedHashMap<>();
  private final List<String> namespaces = new ArrayList<>();
  private final Map<String, List<String>> services = new LinkedHashMap<>();
  private int next = 2;

  private PodNetwork(String prefix, int net) {
    this.prefix = prefix;
    this.net = net;
    this.bridge = prefix + "br";
  }

  /** Creates the bridge; {@code prefix} (at most 6 characters) names every link and namespace. */
  static PodNetwork create(String prefix, int net) throws IOException, InterruptedException {
    PodNetwork n = new PodNetwork(prefix, net);
    n.removeLeftovers();
    run("ip", "link", "add", n.bridge, "type", "bridge");
    run("ip", "addr", "add", "10." + net + ".0.1/24", "dev", n.bridge);
    run("ip", "link", "set", n.bridge, "up");
    return n;
  }

  /** A namespace with the next free address; returns the address. */
  String addPod(String pod) throws IOException, InterruptedException {
    String ns = namespace(pod);
    String ip = "10." + net + ".0." + next;
    String veth = prefix + "v" + next;
    next++;
    run("ip", "netns", "add", ns);
    namespaces.add(ns);
    run("ip", "link", "add", veth, "type", "veth", "peer", "name", "eth0", "netns", ns);
    run("ip", "link", "set", veth, "master", bridge, "up");
    run("ip", "netns", "exec", ns, "ip", "addr", "add", ip + "/24", "dev", "eth0");
    run("ip", "netns", "exec", ns, "ip", "link", "set", "eth0", "up");
    run("ip", "netns", "exec", ns, "ip", "link", "set", "lo", "up");
    Files.createDirectories(Path.of("/etc/netns", ns));
    ips.put(pod, ip);
    writeHosts();
    return ip;
  }

  /** Removes a pod's namespace (its address is not reused). */
  void removePod(String pod) throws IOException, InterruptedException {
    String ns = namespace(pod);
    run("ip", "netns", "del", ns);
    namespaces.remove(ns);
    deleteTree(Path.of("/etc/netns", ns));
    ips.remove(pod);
    services.values().forEach(l -> l.remove(pod));
    writeHosts();
  }

  /** Makes {@code name} resolve, in every namespace, to the addresses of {@code pods}. */
  void service(String name, List<String> pods) throws IOException {
    services.put(name, new ArrayList<>(pods));
    writeHosts();
  }

  String namespace(String pod) {
    return prefix + "-" + pod;
  }

  String ip(String pod) {
    return ips.get(pod);
  }

  /** Rewrites every namespace's hosts file in place (the bind mounts keep seeing the same file). */
  private void writeHosts() throws IOException {
    StringBuilder hosts = new StringBuilder("127.0.0.1 localhost\n");
    ips.forEach((pod, ip) -> hosts.append(ip).append(' ').append(pod).append('\n'));
    services.forEach((name, pods) -> pods.forEach(p -> {
      if (ips.containsKey(p)) {
        hosts.append(ips.get(p)).append(' ').append(name).append('\n');
      }
    }));
    for (String ns : namespaces) {
      Path file = Path.of("/etc/netns", ns, "hosts");
      try (var out = Files.newOutputStream(file)) { // truncates the same inode
        out.write(hosts.toString().getBytes(StandardCharsets.US_ASCII));
      }
    }
  }

  private void removeLeftovers() throws IOException, InterruptedException {
    Process p = new ProcessBuilder("ip", "netns", "list").redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    p.waitFor();
    for (String line : out.split("\n")) {
      String ns = line.split(" ")[0];
      if (ns.startsWith(prefix + "-")) {
        runQuietly("ip", "netns", "del", ns);
        deleteTree(Path.of("/etc/netns", ns));
      }
    }
    runQuietly("ip", "link", "del", bridge);
  }

  @Override
  public void close() throws IOException, InterruptedException {
    for (String ns : List.copyOf(namespaces)) {
      runQuietly("ip", "netns", "del", ns);
      deleteTree(Path.of("/etc/netns", ns));
    }
    namespaces.clear();
    runQuietly("ip", "link", "del", bridge);
  }

  static void run(String... cmd) throws IOException, InterruptedException {
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0) {
      throw new AssertionError("pod networking needs root and network namespaces; `" + String.join(" ", cmd)
          + "` failed: " + out.strip());
    }
  }

  private static void runQuietly(String... cmd) throws IOException, InterruptedException {
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    p.getInputStream().readAllBytes();
    p.waitFor(30, TimeUnit.SECONDS);
  }

  static void deleteTree(Path dir) throws IOException {
    if (!Files.exists(dir)) {
      return;
    }
    try (var walk = Files.walk(dir)) {
      for (Path p : walk.sorted(java.util.Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    }
  }
}
