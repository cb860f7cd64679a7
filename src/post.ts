import { post } from './step/post.js'

void post()
