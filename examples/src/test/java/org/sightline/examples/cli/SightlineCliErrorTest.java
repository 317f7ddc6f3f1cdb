package org.sightline.examples.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.io.UncheckedIOException;
import org.junit.jupiter.api.Test;

/** The one line the CLI prints for any failure of a command, and how it reads for errors without a message. */
class SightlineCliErrorTest {

    @Test
    void anExceptionShowsItsMessage() {
        assertEquals("--epochs must be > 0, got 0",
                SightlineCli.describe(new IllegalArgumentException("--epochs must be > 0, got 0")));
    }

    @Test
    void outOfMemoryNamesTheRemedy() {
        assertEquals("out of memory (Java heap space); raise the heap with -Xmx in SIGHTLINE_JAVA_OPTS",
                SightlineCli.describe(new OutOfMemoryError("Java heap space")));
        assertEquals("out of memory (OutOfMemoryError); raise the heap with -Xmx in SIGHTLINE_JAVA_OPTS",
                SightlineCli.describe(new OutOfMemoryError()));
    }

    @Test
    void stackOverflowNamesTheRemedy() {
        assertEquals("stack overflow (StackOverflowError): the input is nested too deeply; raise the stack with -Xss "
                + "in SIGHTLINE_JAVA_OPTS", SightlineCli.describe(new StackOverflowError()));
    }

    @Test
    void otherErrorsNameTheirKind() {
        assertEquals("UnsatisfiedLinkError: no jnitensorflow in java.library.path",
                SightlineCli.describe(new UnsatisfiedLinkError("no jnitensorflow in java.library.path")));
        assertEquals("NoClassDefFoundError (no message); rerun with SIGHTLINE_JAVA_OPTS=-Dsightline.stacktrace=true "
                + "for the stack trace", SightlineCli.describe(new NoClassDefFoundError()));
    }

    @Test
    void aFailureWithoutAMessageIsDescribedByItsCause() {
        assertEquals("ExceptionInInitializerError: UnsatisfiedLinkError: libonnxruntime.so: cannot open",
                SightlineCli.describe(new ExceptionInInitializerError(new UnsatisfiedLinkError(
                        "libonnxruntime.so: cannot open"))));
        assertEquals("NullPointerException (no message); rerun with SIGHTLINE_JAVA_OPTS=-Dsightline.stacktrace=true "
                + "for the stack trace", SightlineCli.describe(new NullPointerException()));
        assertEquals("disk gone", SightlineCli.describe(new UncheckedIOException(new IOException("disk gone"))));
    }
}
