FROM mhart/alpine-node:11 AS builder

WORKDIR /app

COPY . .

RUN yarn install && yarn run build

FROM mhart/alpine-node

RUN yarn global add serve

WORKDIR /app

COPY --from=builder /app/build .

CMD ["serve", "-p", "80", "-s", "."]

