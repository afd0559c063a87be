import assert from "node:assert/strict";
import { test } from "node:test";
import { storageFailure } from "../../src/util/atomic-write.js";
import { RunFailure } from "../../src/util/errors.js";

const errno = (code: string) => Object.assign(new Error(`${code}: no path here`), { code });

test("disk-full and permission errors name the path they could not write", () => {
  const full = storageFailure(errno("ENOSPC"), "/runs/a/best.params");
  assert.ok(full instanceof RunFailure);
  assert.equal(full.code, "disk_full");
  assert.match(full.message, /cannot write \/runs\/a\/best\.params: the disk is full \(ENOSPC\)/);
  const denied = storageFailure(errno("EACCES"), "/runs/a/config.json");
  assert.equal(denied?.code, "permission");
  assert.match(denied!.message, /\/runs\/a\/config\.json: permission denied/);
  assert.equal(storageFailure(errno("EROFS"), "/x")?.code, "permission");
  // Other errors are left as they are.
  assert.equal(storageFailure(errno("EIO"), "/x"), null);
  assert.equal(storageFailure(new Error("plain"), "/x"), null);
});
