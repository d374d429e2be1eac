import { Body, Controller, HttpCode, Post, Res } from '@nestjs/common';
import type { Response } from 'express';
import { ApiTags } from '@nestjs/swagger';
import { Authenticated } from '../auth/authenticated.decorator';
import { Caller } from '../auth/caller';
import { CurrentCaller } from '../auth/current-caller.decorator';
import { ApiErrors } from '../common/documented-errors';
import { respondAt, RespondsWithStreamPosition } from '../events/stream-position';
import { SearchMemoriesDto } from './search.dto';
import { SearchResponse, toSearchResponse } from './search.response';
import { SearchService } from './search.service';

@ApiTags('memories')
@Controller('memories')
export class SearchController {
  constructor(private readonly searches: SearchService) {}

  @Post('search')
  @HttpCode(200)
  @Authenticated('memories:read')
  @RespondsWithStreamPosition(200, SearchResponse)
  @ApiErrors(400, 413, 415)
  async search(
    @CurrentCaller() caller: Caller,
    @Body() body: SearchMemoriesDto,
    @Res({ passthrough: true }) response: Response,
  ): Promise<SearchResponse> {
    const result = await this.searches.run(caller, body);
    return respondAt(response, { result, position: result.position }, toSearchResponse);
  }
}
