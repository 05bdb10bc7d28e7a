// What a browser app writes with nabla; it only has to type-check (see tsconfig.json).
import * as nb from 'nabla';

export async function trainXor(): Promise<number> {
  nb.setBackend('wasm');
  const x = nb.tensor([[0, 0], [0, 1], [1, 0], [1, 1]]);
  const y = nb.tensor([0, 1, 1, 0], { dtype: 'int32' });
  const model = nb.nn.sequential(nb.nn.linear(2, 4), nb.nn.tanh(), nb.nn.linear(4, 2));
  const history = await nb.train.fit(model, { x, y }, { epochs: 10, batchSize: 4, verbose: 0 });
  const t: nb.Tensor = nb.tidy(() => model.call(x).softmax());
  const values: Float32Array | Int32Array | Uint8Array | Float64Array = await t.data();
  t.print();
  model.print();
  t.dispose();
  nb.dispose([x, y]);
  return history.epochs.length + values.length;
}
