/**
 * "TensorFlow and deep learning, without a PhD", program 5: three convolutional layers
 * (5×5×4, 5×5×8 stride 2, 4×4×12 stride 2), a 200-unit fully connected layer, Adam with a
 * decaying learning rate fed through a placeholder. Tutorial: ~98.9% test accuracy.
 *
 * Layout: nabla is NCHW with OIHW filters, TensorFlow NHWC with HWIO filters. So X is
 * [N, 1, 28, 28], a filter [6, 6, 1, 6] becomes [6, 1, 6, 6] (out, in, h, w), strides
 * [1, s, s, 1] become [1, 1, s, s], and a bias [K] becomes [K, 1, 1] to broadcast over h and w.
 *
 * Run:  npx tsx examples/tf1/mnist_3.0_convolutional.ts                 (10 000 iterations)
 *       NABLA_SHORT=1 npx tsx examples/tf1/mnist_3.0_convolutional.ts   (a smoke test)
 */
import * as nb from 'nabla';
import { iterations, readDataSets, report, testDue, testRun } from './shared/mnist.js';

const tf = nb.graph; //                                                        import tensorflow as tf
const t0 = Date.now();
const mnist = await readDataSets(); //                                         mnist = read_data_sets("data", one_hot=True, reshape=False)

const X = tf.placeholder('float32', [null, 1, 28, 28], 'X'); //               X = tf.placeholder(tf.float32, [None, 28, 28, 1])
const Y_ = tf.placeholder('float32', [null, 10], 'Y_'); //                     Y_ = tf.placeholder(tf.float32, [None, 10])
const lr = tf.placeholder('float32', [], 'lr'); //                             lr = tf.placeholder(tf.float32)

const K = 4, L = 8, M = 12, N = 200; //                                       K = 4; L = 8; M = 12; N = 200
const W1 = new tf.Variable(tf.truncatedNormal([K, 1, 5, 5], 0.1)); //          W1 = tf.Variable(tf.truncated_normal([5, 5, 1, K], stddev=0.1))
const B1 = new tf.Variable(nb.full([K, 1, 1], 0.1)); //                        B1 = tf.Variable(tf.ones([K])/10)
const W2 = new tf.Variable(tf.truncatedNormal([L, K, 5, 5], 0.1)); //          W2 = tf.Variable(tf.truncated_normal([5, 5, K, L], stddev=0.1))
const B2 = new tf.Variable(nb.full([L, 1, 1], 0.1)); //                        B2 = tf.Variable(tf.ones([L])/10)
const W3 = new tf.Variable(tf.truncatedNormal([M, L, 4, 4], 0.1)); //          W3 = tf.Variable(tf.truncated_normal([4, 4, L, M], stddev=0.1))
const B3 = new tf.Variable(nb.full([M, 1, 1], 0.1)); //                        B3 = tf.Variable(tf.ones([M])/10)
const W4 = new tf.Variable(tf.truncatedNormal([7 * 7 * M, N], 0.1)); //        W4 = tf.Variable(tf.truncated_normal([7 * 7 * M, N], stddev=0.1))
const B4 = new tf.Variable(nb.full([N], 0.1)); //                              B4 = tf.Variable(tf.ones([N])/10)
const W5 = new tf.Variable(tf.truncatedNormal([N, 10], 0.1)); //               W5 = tf.Variable(tf.truncated_normal([N, 10], stddev=0.1))
const B5 = new tf.Variable(nb.full([10], 0.1)); //                             B5 = tf.Variable(tf.ones([10])/10)

const Y1 = tf.nn.relu(tf.add(tf.nn.conv2d(X, W1, [1, 1, 1, 1], 'SAME'), B1)); //  Y1 = tf.nn.relu(tf.nn.conv2d(X, W1, strides=[1, 1, 1, 1], padding='SAME') + B1)
const Y2 = tf.nn.relu(tf.add(tf.nn.conv2d(Y1, W2, [1, 1, 2, 2], 'SAME'), B2)); // Y2 = tf.nn.relu(tf.nn.conv2d(Y1, W2, strides=[1, 2, 2, 1], padding='SAME') + B2)
const Y3 = tf.nn.relu(tf.add(tf.nn.conv2d(Y2, W3, [1, 1, 2, 2], 'SAME'), B3)); // Y3 = tf.nn.relu(tf.nn.conv2d(Y2, W3, strides=[1, 2, 2, 1], padding='SAME') + B3)
const YY = tf.reshape(Y3, [-1, 7 * 7 * M]); //                                 YY = tf.reshape(Y3, shape=[-1, 7 * 7 * M])
const Y4 = tf.nn.relu(tf.add(tf.matmul(YY, W4), B4)); //                       Y4 = tf.nn.relu(tf.matmul(YY, W4) + B4)
const Ylogits = tf.add(tf.matmul(Y4, W5), B5); //                              Ylogits = tf.matmul(Y4, W5) + B5
const Y = tf.nn.softmax(Ylogits); //                                           Y = tf.nn.softmax(Ylogits)

// cross_entropy = tf.nn.softmax_cross_entropy_with_logits(logits=Ylogits, labels=Y_)
const crossEntropy0 = tf.nn.softmaxCrossEntropyWithLogits({ logits: Ylogits, labels: Y_ });
const crossEntropy = tf.mul(tf.reduceMean(crossEntropy0), 100); //             cross_entropy = tf.reduce_mean(cross_entropy)*100
const correctPrediction = tf.equal(tf.argmax(Y, 1), tf.argmax(Y_, 1)); //      correct_prediction = tf.equal(tf.argmax(Y, 1), tf.argmax(Y_, 1))
const accuracy = tf.reduceMean(tf.cast(correctPrediction, 'float32')); //      accuracy = tf.reduce_mean(tf.cast(correct_prediction, tf.float32))
const trainStep = new tf.train.AdamOptimizer(lr).minimize(crossEntropy); //    train_step = tf.train.AdamOptimizer(lr).minimize(cross_entropy)

const init = tf.globalVariablesInitializer(); //                               init = tf.global_variables_initializer()
const sess = new tf.Session(); //                                              sess = tf.Session()
sess.run(init); //                                                             sess.run(init)

const testFeed = (x: nb.Tensor, y: nb.Tensor): nb.graph.Feed => new Map([[X, x], [Y_, y]]);
const n = iterations(10000);
for (let i = 0; i <= n; i++) { //                                              for i in range(10000+1):
  nb.tidy(() => {
    const [batchX, batchY] = mnist.train.nextBatch(100); //                      batch_X, batch_Y = mnist.train.next_batch(100)
    const learningRate = 0.0001 + 0.003 * Math.exp(-i / 2000); //                learning_rate = min_learning_rate + (max_learning_rate - min_learning_rate) * math.exp(-i/decay_speed)
    if (i % 100 === 0) {
      const [a, c] = sess.run([accuracy, crossEntropy], new Map([[X, batchX], [Y_, batchY]])); // a, c = sess.run([accuracy, cross_entropy], {X: batch_X, Y_: batch_Y})
      console.log(`${i}: accuracy:${a.item().toFixed(4)} loss: ${c.item().toFixed(3)} (lr:${learningRate.toFixed(5)})`);
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
report('mnist_3.0_convolutional', a, 0.989, 0.6, (Date.now() - t0) / 1000);
