/** The command line that {@code ./embed4j} runs: {@code encode}, {@code train}, {@code eval}, {@code demo}. */
package dev.embed4j.app.cli;
