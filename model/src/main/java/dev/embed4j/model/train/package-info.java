/**
 * Training: the multi-task {@link dev.embed4j.model.train.Trainer} (one loss per dataset, AdamW with warm-up,
 * checkpoints that resume exactly), {@link dev.embed4j.model.train.EncoderTrainable} to train a
 * {@code SentenceEncoder}, {@code TrainConfig} for JSON or YAML run configurations,
 * {@link dev.embed4j.model.train.MetricsLog} ({@code metrics.jsonl}) and the
 * {@link dev.embed4j.model.train.TrainingListener} that hears the progress; the trainer itself never prints.
 */
package dev.embed4j.model.train;
