// The npm aliases `express4` (express@4) and `koa2` (koa@2) have no types of their own; their
// public surface is what @types/express and @types/koa describe for the current majors.
declare module 'express4' {
  import express from 'express'
  export default express
}
declare module 'koa2' {
  import Koa from 'koa'
  export default Koa
}
