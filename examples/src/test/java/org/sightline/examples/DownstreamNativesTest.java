package org.sightline.examples;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.eclipse.aether.RepositorySystem;
import org.eclipse.aether.RepositorySystemSession.CloseableSession;
import org.eclipse.aether.artifact.Artifact;
import org.eclipse.aether.artifact.DefaultArtifact;
import org.eclipse.aether.collection.CollectRequest;
import org.eclipse.aether.graph.Dependency;
import org.eclipse.aether.graph.DependencyNode;
import org.eclipse.aether.repository.RemoteRepository;
import org.eclipse.aether.repository.WorkspaceReader;
import org.eclipse.aether.repository.WorkspaceRepository;
import org.eclipse.aether.supplier.RepositorySystemSupplier;
import org.eclipse.aether.supplier.SessionBuilderSupplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * What a downstream Maven project gets: the dependency graphs of the POMs under
 * {@code src/test/resources/downstream}, collected the way Maven 3 collects them. Sightline's own POMs come
 * from this source tree (never from a local repository, so nothing has to be installed), third-party POMs
 * from the local repository or Maven Central. Only POMs are read: no native jar is downloaded.
 */
class DownstreamNativesTest {
    private static final String TF_NATIVE = "org.tensorflow:tensorflow-core-native";

    private static RepositorySystem system;

    @BeforeAll
    static void startResolver() {
        system = new RepositorySystemSupplier().get();
    }

    @AfterAll
    static void stopResolver() {
        system.shutdown();
    }

    /** The control: without exclusions a user gets the CPU natives the Sightline POMs choose. */
    @Test
    void defaultPomGetsTheCpuNatives() throws Exception {
        Set<String> graph = dependencyGraph("downstream-default");

        assertTrue(graph.contains(TF_NATIVE + ":linux-x86_64"), graph.toString());
        assertTrue(graph.contains("com.microsoft.onnxruntime:onnxruntime:"), graph.toString());
        assertFalse(graph.contains("com.microsoft.onnxruntime:onnxruntime_gpu:"), graph.toString());
    }

    /** README's GPU example: the CUDA natives and ONNX Runtime's GPU build replace the defaults, not join them. */
    @Test
    void gpuPomReplacesTheNativesWithoutEditingSightlinePoms() throws Exception {
        Set<String> graph = dependencyGraph("downstream-gpu");

        assertTrue(graph.contains(TF_NATIVE + ":linux-x86_64-gpu"), graph.toString());
        assertTrue(graph.contains(TF_NATIVE + ":"), "the Java half of the bindings is still there: " + graph);
        assertFalse(graph.contains(TF_NATIVE + ":linux-x86_64"), graph.toString());
        assertTrue(graph.contains("com.microsoft.onnxruntime:onnxruntime_gpu:"), graph.toString());
        assertFalse(graph.contains("com.microsoft.onnxruntime:onnxruntime:"), graph.toString());
        assertTrue(graph.contains("org.sightline:sightline-backend-tensorflow:"), graph.toString());
        assertTrue(graph.contains("org.sightline:sightline-backend-onnx:"), graph.toString());
    }

    /** Every node of the collected graph as {@code groupId:artifactId:classifier}. */
    private static Set<String> dependencyGraph(String downstream) throws Exception {
        Path pom = resource("/downstream/" + downstream.substring("downstream-".length()) + "/pom.xml");
        String version = System.getProperty("sightline.version");
        Map<String, Path> poms = reactorPoms(Path.of(System.getProperty("sightline.projectRoot")));
        poms.put("com.example:" + downstream, pom);

        Map<String, String> userProperties = Map.of("sightline.version", version);
        Map<String, String> systemProperties = new HashMap<>();
        System.getProperties().forEach((k, v) -> systemProperties.put(k.toString(), v.toString()));
        try (CloseableSession session = new SessionBuilderSupplier(system).get()
                .withLocalRepositoryBaseDirectories(Path.of(System.getProperty("sightline.localRepository")))
                .setWorkspaceReader(new SourceTree(poms, version))
                .setSystemProperties(systemProperties)
                .setUserProperties(userProperties)
                .build()) {
            RemoteRepository central = new RemoteRepository.Builder("central", "default",
                    "https://repo.maven.apache.org/maven2/").build();
            CollectRequest request = new CollectRequest(
                    new Dependency(new DefaultArtifact("com.example", downstream, "pom", "1.0"), "compile"),
                    List.of(central));
            Set<String> graph = new TreeSet<>();
            collect(system.collectDependencies(session, request).getRoot(), graph);
            return graph;
        }
    }

    private static void collect(DependencyNode node, Set<String> graph) {
        Artifact a = node.getArtifact();
        graph.add(a.getGroupId() + ":" + a.getArtifactId() + ":" + a.getClassifier());
        node.getChildren().forEach(child -> collect(child, graph));
    }

    private static Map<String, Path> reactorPoms(Path root) {
        Map<String, Path> poms = new HashMap<>();
        poms.put("org.sightline:sightline-parent", root.resolve("pom.xml"));
        poms.put("org.sightline:sightline-bom", root.resolve("bom/pom.xml"));
        for (String module : List.of("api", "backend-tensorflow", "backend-onnx", "backend-dl4j", "examples")) {
            poms.put("org.sightline:sightline-" + module, root.resolve(module).resolve("pom.xml"));
        }
        poms.values().forEach(p -> assertTrue(Files.isRegularFile(p), p + " is missing"));
        return poms;
    }

    private static Path resource(String name) throws URISyntaxException {
        return Path.of(DownstreamNativesTest.class.getResource(name).toURI());
    }

    /** Serves the POMs of this source tree and the downstream project, as Maven's reactor does. */
    private record SourceTree(Map<String, Path> poms, String version) implements WorkspaceReader {
        private static final WorkspaceRepository REPOSITORY = new WorkspaceRepository("source-tree");

        @Override
        public WorkspaceRepository getRepository() {
            return REPOSITORY;
        }

        @Override
        public File findArtifact(Artifact artifact) {
            Path pom = poms.get(artifact.getGroupId() + ":" + artifact.getArtifactId());
            boolean ours = pom != null && "pom".equals(artifact.getExtension())
                    && (artifact.getGroupId().equals("com.example") || artifact.getVersion().equals(version));
            return ours ? pom.toFile() : null;
        }

        @Override
        public List<String> findVersions(Artifact artifact) {
            return poms.containsKey(artifact.getGroupId() + ":" + artifact.getArtifactId())
                    ? List.of(artifact.getGroupId().equals("com.example") ? "1.0" : version) : List.of();
        }
    }
}
