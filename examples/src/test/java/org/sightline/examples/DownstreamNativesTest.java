package org.sightline.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import javax.xml.parsers.DocumentBuilderFactory;
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
import org.eclipse.aether.resolution.ArtifactDescriptorRequest;
import org.eclipse.aether.supplier.RepositorySystemSupplier;
import org.eclipse.aether.supplier.SessionBuilderSupplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

/**
 * What a downstream Maven project gets: the dependency graphs of the POMs under
 * {@code src/test/resources/downstream}, collected the way Maven 3 collects them. Sightline's own POMs come
 * from this source tree (never from a local repository, so nothing has to be installed), third-party POMs
 * from the local repository or Maven Central. Only POMs are read: no native jar is downloaded.
 */
class DownstreamNativesTest {
    private static final String TF_NATIVE = "org.tensorflow:tensorflow-core-native";
    private static final RemoteRepository CENTRAL = new RemoteRepository.Builder("central", "default",
            "https://repo.maven.apache.org/maven2/").build();

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

    /** The BOM pins every jar the reactor builds (and the api's test-jar), so a new module cannot be forgotten. */
    @Test
    void bomPinsEverySightlineArtifact() throws Exception {
        Path root = projectRoot();
        Set<String> expected = new TreeSet<>();
        for (String module : modules(root)) {
            if (!module.equals("bom")) {
                expected.add("org.sightline:sightline-" + module + "::jar:" + System.getProperty("sightline.version"));
            }
        }
        expected.add("org.sightline:sightline-api:tests:jar:" + System.getProperty("sightline.version"));

        Set<String> pinned = new TreeSet<>();
        try (CloseableSession session = session(Map.of())) {
            ArtifactDescriptorRequest request = new ArtifactDescriptorRequest(new DefaultArtifact("org.sightline",
                    "sightline-bom", "pom", System.getProperty("sightline.version")), List.of(CENTRAL), null);
            for (Dependency managed : system.readArtifactDescriptor(session, request).getManagedDependencies()) {
                Artifact a = managed.getArtifact();
                pinned.add(a.getGroupId() + ":" + a.getArtifactId() + ":" + a.getClassifier() + ":"
                        + a.getExtension() + ":" + a.getVersion());
            }
        }
        assertEquals(expected, pinned);
    }

    /** Every node of the collected graph as {@code groupId:artifactId:classifier}. */
    private static Set<String> dependencyGraph(String downstream) throws Exception {
        Path pom = resource("/downstream/" + downstream.substring("downstream-".length()) + "/pom.xml");
        try (CloseableSession session = session(Map.of("com.example:" + downstream, pom))) {
            CollectRequest request = new CollectRequest(
                    new Dependency(new DefaultArtifact("com.example", downstream, "pom", "1.0"), "compile"),
                    List.of(CENTRAL));
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

    /** A Maven 3 session that sees this source tree's POMs and {@code downstream}'s, as Maven's reactor would. */
    private static CloseableSession session(Map<String, Path> downstream) throws Exception {
        String version = System.getProperty("sightline.version");
        Map<String, Path> poms = reactorPoms(projectRoot());
        poms.putAll(downstream);
        Map<String, String> systemProperties = new HashMap<>();
        System.getProperties().forEach((k, v) -> systemProperties.put(k.toString(), v.toString()));
        return new SessionBuilderSupplier(system).get()
                .withLocalRepositoryBaseDirectories(Path.of(System.getProperty("sightline.localRepository")))
                .setWorkspaceReader(new SourceTree(poms, version))
                .setSystemProperties(systemProperties)
                .setUserProperties(Map.of("sightline.version", version))
                .build();
    }

    private static Path projectRoot() {
        return Path.of(System.getProperty("sightline.projectRoot"));
    }

    /** The modules the parent POM lists; every one is named {@code sightline-<folder>}. */
    private static List<String> modules(Path root) throws Exception {
        Element project = DocumentBuilderFactory.newInstance().newDocumentBuilder()
                .parse(root.resolve("pom.xml").toFile()).getDocumentElement();
        NodeList modules = project.getElementsByTagName("module");
        List<String> names = new ArrayList<>();
        for (int i = 0; i < modules.getLength(); i++) {
            names.add(modules.item(i).getTextContent().trim());
        }
        return names;
    }

    private static Map<String, Path> reactorPoms(Path root) throws Exception {
        Map<String, Path> poms = new HashMap<>();
        poms.put("org.sightline:sightline-parent", root.resolve("pom.xml"));
        for (String module : modules(root)) {
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
