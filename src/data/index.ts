/**
 * The data layer: RecBole atomic files in, item-indexed modalities, leave-one-out
 * splits and padded batches out. Imports only `src/util` and node built-ins.
 */
export { parseStrictFloat, splitSeq } from "./atomic/columns.js";
export { parseHeader } from "./atomic/header.js";
export { DEFAULT_MAX_LINE_BYTES, scanLines } from "./atomic/lines.js";
export {
  findColumn,
  optionalColumn,
  type ReadAtomicOptions,
  type RequiredField,
  readAtomicFile,
  readAtomicHeader,
  requireColumn,
} from "./atomic/reader.js";
export type {
  AtomicColumn,
  AtomicTable,
  AtomicType,
  FieldSpec,
  FloatColumn,
  FloatSeqColumn,
  TokenColumn,
  TokenSeqColumn,
} from "./atomic/types.js";
export {
  type BatchOptions,
  countTrainBatches,
  type EvalBatch,
  evalBatches,
  fillRow,
  type SeqBatch,
  type TrainBatchOptions,
  type TrainExamples,
  trainBatches,
  trainingExamples,
} from "./batches.js";
export { type Dataset, type DatasetOptions, loadDataset } from "./dataset.js";
export { buildInteractions, type Interactions, kcoreMask, PAD_ITEM } from "./interactions.js";
export {
  type KnowledgeGraph,
  loadKnowledgeGraph,
  type RelationStat,
  relationShortName,
  relationStats,
  selectRelations,
} from "./kg.js";
export {
  buildModalities,
  describeModalities,
  formatModalityTable,
  type ModalitySummary,
} from "./modalities.js";
export { modalityCodes } from "./modality-codes.js";
export type {
  DenseModality,
  FloatMode,
  Modality,
  ModalityOptions,
  TokenModality,
  TokenSeqModality,
} from "./modality-types.js";
export {
  type EvalSet,
  type LeaveOneOutSplit,
  leaveOneOut,
  seenOf,
  uniqueSorted,
} from "./split.js";
export {
  assignGroups,
  groupSizes,
  inputLength,
  type MultiTargetSet,
  USER_GROUP,
  type UserSplit,
  userSplit,
} from "./user-split.js";
