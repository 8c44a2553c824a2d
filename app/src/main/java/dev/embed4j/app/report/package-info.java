/** How the command line shows a training run: the progress bar, the messages and the metrics plot. */
package dev.embed4j.app.report;
