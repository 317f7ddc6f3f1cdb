/**
 * The DeepLearning4J backend, {@code dl4j}: trains and runs a {@link org.sightline.model.Network} (Sequential or Functional)
 * on ND4J / libnd4j 1.0.0-M2.1 on the CPU, with Keras's semantics.
 *
 * <h2>How a model runs</h2>
 * The backend knows operations, not layers: layers, losses, metrics, optimizers and constraints are
 * written once in the api over {@link org.sightline.ops.Ops}, and {@link org.sightline.dl4j.Dl4jOps}
 * implements those operations by tracing. Each call allocates its output array and appends a stage
 * that computes it with libnd4j ({@code conv2d}, {@code maxpool2d}/{@code avgpool2d},
 * {@code batchnorm} as oneDNN kernels in the {@code -onednn} build, GEMM for {@code matmul},
 * broadcasting element-wise ops elsewhere); {@code gradients} appends the backward stages in reverse
 * order ({@code conv2d_bp}, the pooling gradients, {@code batchnorm_bp}, {@code softmax_bp}, the
 * activation derivatives, GEMM, and element-wise arithmetic traced through the same operations), and
 * an {@code assign} copies into its variable after every other stage. The engine traces the api's
 * whole training step once per batch size and runs the resulting program per batch, feeding images,
 * one-hot labels and the optimizer's hyperparameters of the step, so a step allocates nothing; the
 * inference forward pass and the loss-gradient programs are traced and kept the same way. Everything
 * is closed with the engine.
 *
 * <h2>Why not MultiLayerNetwork or SameDiff</h2>
 * <ul>
 * <li>{@code MultiLayerNetwork} ({@code deeplearning4j-nn}) took about 1.55 s per step at batch 64 on
 * 2 cores in the prototype of issue 5: its oneDNN layer helpers never switch on in M2.1 (they look for
 * {@code org.nd4j.nativeblas.Nd4jCpu$Environment}, a class M2.1 no longer has), so convolutions run
 * as im2col in Java. Switching them on needs a shim class in ND4J's package, with them NHWC
 * convolution gradients came out wrong, and it needs Keras-to-DL4J conversions (retain probability,
 * {@code useLogStd}, the max-norm axis, the first dense kernel's row order).</li>
 * <li>SameDiff was built and measured here. Its autodiff in M2.1 cannot differentiate the fused
 * {@code batchnorm}: the gradient function copies the graph, the copy loses the op's axis, and the
 * gradient op then rejects its six inputs. Batch norm built from elementwise ops trains correctly but
 * runs through libnd4j's broadcasting {@code multiply_bp} and reduction gradients (117 ms for one
 * {@code multiply_bp} over a 2 M-value activation on the shared machine, where {@code batchnorm_bp}
 * needs a few). And {@code xw_plus_b} (SameDiff's {@code linear}) gives wrong gradients from the
 * second call on: its gradient accumulates into arrays SameDiff recycles between calls.</li>
 * </ul>
 * The stages use the same libnd4j operations that those APIs would reach at best, without their
 * bookkeeping. No ND4J workspace is involved; the per-program arrays play that role deterministically.
 *
 * <h2>Layouts</h2>
 * Weights keep Keras's layout and names throughout: convolution kernels are handed to libnd4j as
 * {@code [kh, kw, in, out]} (its weights format 0), matmul kernels are {@code [in, units]}, and
 * {@link org.sightline.compile.OptimizerState} slots ({@code <weight>/<slot>}) share the weight's
 * layout, so no conversion happens at the boundary. Images run NHWC, Keras's own layout: oneDNN's
 * convolutions work channels-last, so NCHW would add a reorder before and after each convolution (the
 * 32-to-64 channel convolution at batch 64 measured 40 ms forward and 188 ms backward in NHWC against
 * 92 and 284 ms in NCHW), and a flatten is then a free reshape in Keras's (height, width, channel)
 * order. libnd4j's {@code conv2d_bp} is correct in NHWC, with oneDNN and without (checked against
 * finite differences and against NCHW), so the wrong NHWC gradients of the MultiLayerNetwork prototype
 * come from DL4J's layer helpers, not from the op.
 *
 * <h2>Native build</h2>
 * The dependency is {@code org.nd4j:nd4j-native} with classifier {@code linux-x86_64-onednn}: the
 * baseline x86-64 build of libnd4j with oneDNN, which runs on CPUs without AVX-512 and still gets
 * AVX2 or AVX-512 convolution kernels from oneDNN's run-time dispatch. The {@code -onednn-avx512}
 * build (another 100 MB) also vectorises libnd4j's own loops; it measured within a few percent, so it
 * is optional: put it on the class path and {@link org.sightline.dl4j.NativeRuntime} selects it on
 * CPUs with AVX-512F. The engine needs neither {@code deeplearning4j-nn} nor {@code -core}; only
 * {@link org.sightline.dl4j.Dl4jModels}, which hands a model to DL4J as its own
 * {@code ComputationGraph}, uses {@code deeplearning4j-nn}. M2.1 was built on JavaCPP 1.5.7,
 * TensorFlow Java 1.1.0 needs 1.5.11, and one class path holds one JavaCPP (the CLI, the
 * cross-backend tests): the parent POM pins 1.5.11 everywhere, on which this backend passes all its
 * tests; JavaCPP then prints a harmless warning that the {@code openblas} preset's version (1.5.7)
 * differs.
 *
 * <h2>Threads</h2>
 * libnd4j parallelises each op with OpenMP over all cores. On a machine whose cores are busy with
 * other work, OpenMP's spinning barriers make every op wait for a descheduled thread: on the 2-core
 * machine with another training run on it, a reference step took 1.67 s by default and 0.36 s with
 * {@code OMP_WAIT_POLICY=PASSIVE} in the environment (read by the OpenMP runtime when it loads, so it
 * cannot be set from Java).
 *
 * <p>One model serves many threads. Every run writes its program's arrays, so a program serves one
 * call at a time: a prediction takes an idle inference program of its batch size from a pool (or traces
 * one) and gives it back, and the pool keeps as many as ran at once. The weights are only read by predictions; a
 * training step, {@code setWeights} and {@code close} change or free them, so the engine's read-write
 * lock lets predictions run together and makes those wait for the predictions in flight. (One program
 * shared by the threads crashed the JVM or gave one thread another's probabilities.)
 */
package org.sightline.dl4j;
