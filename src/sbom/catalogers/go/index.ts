export { goBinaryCataloger } from "./cataloger.js";
