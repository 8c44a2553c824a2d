/**
 * Training data: {@link dev.embed4j.model.data.Dataset}s with named columns read from JSONL, CSV or TSV,
 * prompts per dataset and column ({@link dev.embed4j.model.data.Prompts}), and the batch samplers (shuffled,
 * no duplicates, several datasets round-robin or proportionally).
 */
package dev.embed4j.model.data;
