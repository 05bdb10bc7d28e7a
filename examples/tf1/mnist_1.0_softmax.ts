/**
 * "TensorFlow and deep learning, without a PhD", program 1: softmax regression on MNIST, the
 * lectures' TensorFlow 1 code transcribed line by line into nb.graph (the TensorFlow line is in
 * the comment beside each nabla line). Images are NCHW [N, 1, 28, 28] (TensorFlow's were NHWC
 * [N, 28, 28, 1]; for a flat 784-vector the two are the same).
 * Tutorial: ~92% test accuracy.
 *
 * Run:  npx tsx examples/tf1/mnist_1.0_softmax.ts                 (2000 iterations of 100 images)
 *       NABLA_SHORT=1 npx tsx examples/tf1/mnist_1.0_softmax.ts   (a smoke test)
 */
import * as nb from 'nabla';
import { iterations, readDataSets, report, testDue, testRun } from './shared/mnist.js';

const tf = nb.graph; //                                                     import tensorflow as tf
const t0 = Date.now();
const mnist = await readDataSets(); //                                      mnist = read_data_sets("data", one_hot=True, reshape=False)

const X = tf.placeholder('float32', [null, 1, 28, 28], 'X'); //            X = tf.placeholder(tf.float32, [None, 28, 28, 1])
const Y_ = tf.placeholder('float32', [null, 10], 'Y_'); //                  Y_ = tf.placeholder(tf.float32, [None, 10])
const W = new tf.Variable(nb.zeros([784, 10]), { name: 'W' }); //           W = tf.Variable(tf.zeros([784, 10]))
const b = new tf.Variable(nb.zeros([10]), { name: 'b' }); //                b = tf.Variable(tf.zeros([10]))
const XX = tf.reshape(X, [-1, 784]); //                                     XX = tf.reshape(X, [-1, 784])
const Y = tf.nn.softmax(tf.add(tf.matmul(XX, W), b)); //                    Y = tf.nn.softmax(tf.matmul(XX, W) + b)
const crossEntropy = tf.neg(tf.reduceSum(tf.mul(Y_, tf.log(Y)))); //        cross_entropy = -tf.reduce_sum(Y_ * tf.log(Y))
const correctPrediction = tf.equal(tf.argmax(Y, 1), tf.argmax(Y_, 1)); //   correct_prediction = tf.equal(tf.argmax(Y, 1), tf.argmax(Y_, 1))
const accuracy = tf.reduceMean(tf.cast(correctPrediction, 'float32')); //   accuracy = tf.reduce_mean(tf.cast(correct_prediction, tf.float32))
const optimizer = new tf.train.GradientDescentOptimizer(0.003); //          optimizer = tf.train.GradientDescentOptimizer(0.003)
const trainStep = optimizer.minimize(crossEntropy); //                      train_step = optimizer.minimize(cross_entropy)

const init = tf.globalVariablesInitializer(); //                            init = tf.global_variables_initializer()
const sess = new tf.Session(); //                                           sess = tf.Session()
sess.run(init); //                                                          sess.run(init)

const testFeed = (x: nb.Tensor, y: nb.Tensor): nb.graph.Feed => new Map([[X, x], [Y_, y]]);
const n = iterations(2000);
for (let i = 0; i <= n; i++) { //                                           for i in range(2000+1):
  nb.tidy(() => {
    const [batchX, batchY] = mnist.train.nextBatch(100); //                   batch_X, batch_Y = mnist.train.next_batch(100)
    if (i % 100 === 0) {
      const [a, c] = sess.run([accuracy, crossEntropy], new Map([[X, batchX], [Y_, batchY]])); // a, c = sess.run([accuracy, cross_entropy], feed_dict={X: batch_X, Y_: batch_Y})
      console.log(`${i}: accuracy:${a.item().toFixed(4)} loss: ${c.item().toFixed(2)}`); //     print(str(i) + ": accuracy:" + str(a) + " loss: " + str(c))
    }
    if (testDue(i)) { //                                                      if update_test_data:
      const [ta, tc] = testRun(sess, [accuracy, crossEntropy], testFeed, mnist); // a, c = sess.run([accuracy, cross_entropy], {X: mnist.test.images, Y_: mnist.test.labels})
      console.log(`${i}: ********* test accuracy:${ta.toFixed(4)} test loss: ${tc.toFixed(3)}`);
    }
    sess.run(trainStep, new Map([[X, batchX], [Y_, batchY]])); //             sess.run(train_step, feed_dict={X: batch_X, Y_: batch_Y})
  });
}
// a, c = sess.run([accuracy, cross_entropy], feed_dict={X: mnist.test.images, Y_: mnist.test.labels})
const [a, c] = testRun(sess, [accuracy, crossEntropy], testFeed, mnist);
console.log(`test accuracy: ${a.toFixed(4)} test loss: ${c.toFixed(2)}`);
report('mnist_1.0_softmax', a, 0.915, 0.5, (Date.now() - t0) / 1000);
