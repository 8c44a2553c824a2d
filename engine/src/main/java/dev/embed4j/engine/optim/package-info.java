/**
 * Optimisers and what goes with them: {@link dev.embed4j.engine.optim.AdamW} (decoupled weight decay) and
 * {@link dev.embed4j.engine.optim.SGD} over {@link dev.embed4j.engine.optim.ParamGroup}s, the linear warm-up
 * and decay {@link dev.embed4j.engine.optim.LinearSchedule}, and clipping by global norm
 * ({@link dev.embed4j.engine.optim.GradClip}).
 */
package dev.embed4j.engine.optim;
