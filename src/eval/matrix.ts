/** A rows x cols matrix (users x modalities here) stored row-major in one flat array. */
export interface FlatMatrix {
  /** `data[r * cols + c]` is entry (r, c). */
  data: ArrayLike<number>;
  rows: number;
  cols: number;
}
