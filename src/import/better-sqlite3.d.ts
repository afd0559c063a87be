/** The part of better-sqlite3's API the SQLite reader uses (the package ships no types). */
declare module "better-sqlite3" {
  interface ColumnInfo {
    name: string;
  }
  interface Statement {
    iterate(...params: unknown[]): IterableIterator<unknown[]>;
    all(...params: unknown[]): unknown[];
    run(...params: unknown[]): unknown;
    columns(): ColumnInfo[];
    raw(on?: boolean): Statement;
    safeIntegers(on?: boolean): Statement;
  }
  interface Database {
    prepare(sql: string): Statement;
    close(): void;
  }
  interface Options {
    readonly?: boolean;
    fileMustExist?: boolean;
  }
  const Database: new (path: string, options?: Options) => Database;
  export default Database;
}
