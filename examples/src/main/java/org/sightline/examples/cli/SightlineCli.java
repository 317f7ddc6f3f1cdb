package org.sightline.examples.cli;

import java.io.UncheckedIOException;
import java.util.List;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code sightline} command: the Keras CIFAR-10 workflow on any backend, from a shell. */
@Command(name = "sightline", mixinStandardHelpOptions = true, version = "Sightline 0.1.0",
        description = "Keras-style image classification on the JVM, with pluggable backends.",
        subcommands = {BackendsCommand.class, SummaryCommand.class, TrainCommand.class, EvaluateCommand.class,
                PredictCommand.class, ConvertCommand.class, ExportOnnxCommand.class, ExportKerasCommand.class,
                CrossBackendCommand.class, BenchCommand.class, SparkCommand.class, CommandLine.HelpCommand.class})
public final class SightlineCli {

    public static void main(String[] args) {
        // The reports draw with AWT; a server has no display to open.
        if (System.getProperty("java.awt.headless") == null) {
            System.setProperty("java.awt.headless", "true");
        }
        CommandLine cli = commandLine();
        int exitCode;
        try {
            exitCode = cli.execute(args);
        } catch (Throwable e) {
            // The last line of defence: whatever escaped picocli still gets one line and a failing exit code.
            exitCode = report(e, cli);
        }
        cli.getOut().flush();
        cli.getErr().flush();
        System.exit(exitCode);
    }

    /** The configured command line, also used by tests. */
    static CommandLine commandLine() {
        CommandLine cli = new CommandLine(new SightlineCli());
        cli.setExecutionExceptionHandler((e, cmd, parsed) -> report(e, cmd));
        // picocli hands only Exceptions to the handler above and rethrows Errors (OutOfMemoryError,
        // StackOverflowError, UnsatisfiedLinkError...) as they are; those deserve the same one line.
        CommandLine.IExecutionStrategy runLast = new CommandLine.RunLast();
        cli.setExecutionStrategy(parsed -> {
            try {
                return runLast.execute(parsed);
            } catch (Error e) {
                List<CommandLine> commands = parsed.asCommandLineList();
                return report(e, commands.get(commands.size() - 1));
            }
        });
        return cli;
    }

    /**
     * Prints {@code failure} as one line naming the command, a stack trace only with
     * {@code -Dsightline.stacktrace=true}, and returns the exit code 1.
     */
    static int report(Throwable failure, CommandLine cmd) {
        // A user error (bad file, unknown backend) deserves one clear line, not a stack trace.
        // The qualified name tells "sightline spark predict" from "sightline predict".
        cmd.getErr().println(cmd.getCommandSpec().qualifiedName() + ": " + describe(failure));
        if (Boolean.getBoolean("sightline.stacktrace")) {
            failure.printStackTrace(cmd.getErr());
        }
        return 1;
    }

    /** The one line a user reads for {@code failure}: its message, or what it means when it has none. */
    static String describe(Throwable failure) {
        if (failure instanceof OutOfMemoryError) {
            String what = failure.getMessage() == null ? "OutOfMemoryError" : failure.getMessage();
            return "out of memory (" + what + "); raise the heap with -Xmx in SIGHTLINE_JAVA_OPTS";
        }
        if (failure instanceof StackOverflowError) {
            return "stack overflow (StackOverflowError): the input is nested too deeply; raise the stack with -Xss "
                    + "in SIGHTLINE_JAVA_OPTS";
        }
        String kind = failure.getClass().getSimpleName();
        if (failure.getMessage() == null) {
            if (failure.getCause() != null) {
                return kind + ": " + describe(failure.getCause());
            }
            return kind + " (no message); rerun with SIGHTLINE_JAVA_OPTS=-Dsightline.stacktrace=true for the stack "
                    + "trace";
        }
        if (failure instanceof UncheckedIOException) {
            return describe(failure.getCause());
        }
        // An Error's message alone ("no jnitensorflow in java.library.path") does not say what went wrong.
        return failure instanceof Error ? kind + ": " + failure.getMessage() : failure.getMessage();
    }
}
