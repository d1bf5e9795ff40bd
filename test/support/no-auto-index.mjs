// Preloaded (`node --import`) into a command a test runs: Mongoose builds no index by itself, so any index
// that exists afterwards was built on purpose (by the migrations), as where autoIndex is off.
import mongoose from 'mongoose';

mongoose.set('autoIndex', false);
