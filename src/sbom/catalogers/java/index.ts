export { javaCataloger } from "./cataloger.js";
