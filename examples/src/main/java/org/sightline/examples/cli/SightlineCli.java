package org.sightline.examples.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code sightline} command: the Keras CIFAR-10 workflow on any backend, from a shell. */
@Command(name = "sightline", mixinStandardHelpOptions = true, version = "Sightline 0.1.0",
        description = "Keras-style image classification on the JVM, with pluggable backends.",
        subcommands = {BackendsCommand.class, SummaryCommand.class, TrainCommand.class, EvaluateCommand.class,
                PredictCommand.class, ExportOnnxCommand.class, CrossBackendCommand.class, BenchCommand.class,
                CommandLine.HelpCommand.class})
public final class SightlineCli {

    public static void main(String[] args) {
        // The reports draw with AWT; a server has no display to open.
        if (System.getProperty("java.awt.headless") == null) {
            System.setProperty("java.awt.headless", "true");
        }
        CommandLine cli = commandLine();
        int exitCode = cli.execute(args);
        cli.getOut().flush();
        cli.getErr().flush();
        System.exit(exitCode);
    }

    /** The configured command line, also used by tests. */
    static CommandLine commandLine() {
        CommandLine cli = new CommandLine(new SightlineCli());
        cli.setExecutionExceptionHandler((e, cmd, parsed) -> {
            // A user error (bad file, unknown backend) deserves one clear line, not a stack trace.
            cmd.getErr().println("sightline " + cmd.getCommandName() + ": " + e.getMessage());
            if (Boolean.getBoolean("sightline.stacktrace")) {
                e.printStackTrace(cmd.getErr());
            }
            return 1;
        });
        return cli;
    }
}
