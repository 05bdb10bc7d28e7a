/**
 * "TensorFlow and deep learning, without a PhD", program 3: the five layers with ReLU
 * activations, biases started at 0.1, and a learning rate decaying from 0.003 to 0.0001, fed each
 * step through a placeholder. Tutorial: ~98% test accuracy.
 *
 * Run:  npx tsx examples/tf1/mnist_2.1_five_layers_relu_lrdecay.ts                 (10 000 iterations)
 *       NABLA_SHORT=1 npx tsx examples/tf1/mnist_2.1_five_layers_relu_lrdecay.ts   (a smoke test)
 */
import * as nb from 'nabla';
import { iterations, readDataSets, report, testDue, testRun } from './shared/mnist.js';

const tf = nb.graph; //                                                     import tensorflow as tf
const t0 = Date.now();
const mnist = await readDataSets(); //                                      mnist = read_data_sets("data", one_hot=True, reshape=False)

const X = tf.placeholder('float32', [null, 1, 28, 28], 'X'); //            X = tf.placeholder(tf.float32, [None, 28, 28, 1])
const Y_ = tf.placeholder('float32', [null, 10], 'Y_'); //                  Y_ = tf.placeholder(tf.float32, [None, 10])
const lr = tf.placeholder('float32', [], 'lr'); //                          lr = tf.placeholder(tf.float32)
const L = 200, M = 100, N = 60, O = 30; //                                 L = 200; M = 100; N = 60; O = 30
const W1 = new tf.Variable(tf.truncatedNormal([784, L], 0.1)); //           W1 = tf.Variable(tf.truncated_normal([784, L], stddev=0.1))
const B1 = new tf.Variable(nb.full([L], 0.1)); //                          B1 = tf.Variable(tf.ones([L])/10)
const W2 = new tf.Variable(tf.truncatedNormal([L, M], 0.1)); //             W2 = tf.Variable(tf.truncated_normal([L, M], stddev=0.1))
const B2 = new tf.Variable(nb.full([M], 0.1)); //                          B2 = tf.Variable(tf.ones([M])/10)
const W3 = new tf.Variable(tf.truncatedNormal([M, N], 0.1)); //             W3 = tf.Variable(tf.truncated_normal([M, N], stddev=0.1))
const B3 = new tf.Variable(nb.full([N], 0.1)); //                          B3 = tf.Variable(tf.ones([N])/10)
const W4 = new tf.Variable(tf.truncatedNormal([N, O], 0.1)); //             W4 = tf.Variable(tf.truncated_normal([N, O], stddev=0.1))
const B4 = new tf.Variable(nb.full([O], 0.1)); //                          B4 = tf.Variable(tf.ones([O])/10)
const W5 = new tf.Variable(tf.truncatedNormal([O, 10], 0.1)); //            W5 = tf.Variable(tf.truncated_normal([O, 10], stddev=0.1))
const B5 = new tf.Variable(nb.zeros([10])); //                              B5 = tf.Variable(tf.zeros([10]))

const XX = tf.reshape(X, [-1, 784]); //                                     XX = tf.reshape(X, [-1, 784])
const Y1 = tf.nn.relu(tf.add(tf.matmul(XX, W1), B1)); //                 Y1 = tf.nn.relu(tf.matmul(XX, W1) + B1)
const Y2 = tf.nn.relu(tf.add(tf.matmul(Y1, W2), B2)); //                 Y2 = tf.nn.relu(tf.matmul(Y1, W2) + B2)
const Y3 = tf.nn.relu(tf.add(tf.matmul(Y2, W3), B3)); //                 Y3 = tf.nn.relu(tf.matmul(Y2, W3) + B3)
const Y4 = tf.nn.relu(tf.add(tf.matmul(Y3, W4), B4)); //                 Y4 = tf.nn.relu(tf.matmul(Y3, W4) + B4)
const Ylogits = tf.add(tf.matmul(Y4, W5), B5); //                           Ylogits = tf.matmul(Y4, W5) + B5
const Y = tf.nn.softmax(Ylogits); //                                        Y = tf.nn.softmax(Ylogits)

// cross_entropy = tf.nn.softmax_cross_entropy_with_logits(logits=Ylogits, labels=Y_)
const crossEntropy0 = tf.nn.softmaxCrossEntropyWithLogits({ logits: Ylogits, labels: Y_ });
const crossEntropy = tf.mul(tf.reduceMean(crossEntropy0), 100); //          cross_entropy = tf.reduce_mean(cross_entropy)*100
const correctPrediction = tf.equal(tf.argmax(Y, 1), tf.argmax(Y_, 1)); //   correct_prediction = tf.equal(tf.argmax(Y, 1), tf.argmax(Y_, 1))
const accuracy = tf.reduceMean(tf.cast(correctPrediction, 'float32')); //   accuracy = tf.reduce_mean(tf.cast(correct_prediction, tf.float32))
const trainStep = new tf.train.AdamOptimizer(lr).minimize(crossEntropy); //    train_step = tf.train.AdamOptimizer(lr).minimize(cross_entropy)

const init = tf.globalVariablesInitializer(); //                            init = tf.global_variables_initializer()
const sess = new tf.Session(); //                                           sess = tf.Session()
sess.run(init); //                                                          sess.run(init)

const testFeed = (x: nb.Tensor, y: nb.Tensor): nb.graph.Feed => new Map([[X, x], [Y_, y]]);
const n = iterations(10000);
for (let i = 0; i <= n; i++) { //                                           for i in range(10000+1):
  nb.tidy(() => {
    const [batchX, batchY] = mnist.train.nextBatch(100); //                   batch_X, batch_Y = mnist.train.next_batch(100)
    const learningRate = 0.0001 + 0.003 * Math.exp(-i / 2000); //             learning_rate = min_learning_rate + (max_learning_rate - min_learning_rate) * math.exp(-i/decay_speed)
    if (i % 100 === 0) {
      const [a, c] = sess.run([accuracy, crossEntropy], new Map([[X, batchX], [Y_, batchY]])); // a, c = sess.run([accuracy, cross_entropy], {X: batch_X, Y_: batch_Y})
      console.log(`${i}: accuracy:${a.item().toFixed(4)} loss: ${c.item().toFixed(3)}`);
    }
    if (testDue(i)) { //                                                      if update_test_data:
      const [ta, tc] = testRun(sess, [accuracy, crossEntropy], testFeed, mnist); // a, c = sess.run([accuracy, cross_entropy], {X: mnist.test.images, Y_: mnist.test.labels})
      console.log(`${i}: ********* test accuracy:${ta.toFixed(4)} test loss: ${tc.toFixed(3)}`);
    }
    sess.run(trainStep, new Map([[X, batchX], [Y_, batchY], [lr, nb.scalar(learningRate)]])); // sess.run(train_step, {X: batch_X, Y_: batch_Y, lr: learning_rate})
  });
}
// a, c = sess.run([accuracy, cross_entropy], {X: mnist.test.images, Y_: mnist.test.labels})
const [a, c] = testRun(sess, [accuracy, crossEntropy], testFeed, mnist);
console.log(`test accuracy: ${a.toFixed(4)} test loss: ${c.toFixed(3)}`);
report('mnist_2.1_five_layers_relu_lrdecay', a, 0.975, 0.3, (Date.now() - t0) / 1000);
