export { rustCataloger } from "./cataloger.js";
