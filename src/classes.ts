// The task's one fixed fact shared by the data, the model and the reports.

/** Number of classes: the digits 0 to 9, used as labels and as network outputs. */
export const CLASS_COUNT = 10;
