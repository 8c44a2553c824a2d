/**
 * The BERT encoder: its configuration ({@link dev.embed4j.model.bert.BertConfig}, read from and written to
 * {@code config.json}), the model itself and {@link dev.embed4j.model.bert.Pooling} (mean, CLS, max).
 */
package dev.embed4j.model.bert;
